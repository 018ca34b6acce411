// A test PKI made in the test: a root CA, an unrelated root, and leaf certificates with any
// names and validity. Keys come from node's crypto (fast); node-forge builds the X.509.
import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";

const { privateKey, publicKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});
export const KEY_PEM = privateKey;
const key = forge.pki.privateKeyFromPem(privateKey);
const pub = forge.pki.publicKeyFromPem(publicKey);
let serial = 1;

interface Issuer {
  cert: forge.pki.Certificate;
  pem: string;
}

function build(opts: {
  cn: string;
  names?: string[];
  ca?: boolean;
  issuer?: Issuer;
  notBefore?: Date;
  notAfter?: Date;
}): Issuer {
  const cert = forge.pki.createCertificate();
  cert.publicKey = pub;
  cert.serialNumber = (serial++).toString(16).padStart(4, "0");
  cert.validity.notBefore = opts.notBefore ?? new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = opts.notAfter ?? new Date(Date.now() + 90 * 86_400_000);
  const subject = [{ name: "commonName", value: opts.cn }];
  cert.setSubject(subject);
  cert.setIssuer(opts.issuer ? opts.issuer.cert.subject.attributes : subject);
  const ext: object[] = [{ name: "basicConstraints", cA: !!opts.ca, critical: true }];
  if (opts.ca) ext.push({ name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true });
  else {
    ext.push({ name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true });
    ext.push({ name: "extKeyUsage", serverAuth: true });
    ext.push({
      name: "subjectAltName",
      altNames: (opts.names ?? [opts.cn]).map((value) => ({ type: 2, value })),
    });
  }
  cert.setExtensions(ext);
  cert.sign(key, forge.md.sha256.create());
  return { cert, pem: forge.pki.certificateToPem(cert) };
}

export const rootCa = build({ cn: "mtasts test root", ca: true });
export const unknownRoot = build({ cn: "someone else's root", ca: true });

export interface Leaf {
  /** PEM of the leaf followed by its issuer (the chain a server sends). */
  cert: string;
  key: string;
}

export function leaf(
  names: string[],
  opts: { issuer?: "root" | "unknown" | "self"; notBefore?: Date; notAfter?: Date } = {},
): Leaf {
  const issuer =
    opts.issuer === "self" ? undefined : opts.issuer === "unknown" ? unknownRoot : rootCa;
  const l = build({
    cn: names[0],
    names,
    issuer,
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
  });
  return { cert: issuer ? l.pem + issuer.pem : l.pem, key: KEY_PEM };
}
