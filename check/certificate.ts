// What a sender checks of a TLS peer (RFC 8461 4.2): a chain to a trusted root, valid now,
// and a name that matches the host it meant to reach.
import * as tls from "node:tls";

export interface CertificateReport {
  /** The chain verified against the trust store (system roots, or --ca). */
  readonly trusted: boolean;
  /** OpenSSL's reason when it did not (CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT, ...). */
  readonly chainError?: string;
  /** Set when the certificate does not name the host. */
  readonly nameError?: string;
  readonly subjectNames: string[];
  readonly validTo?: Date;
  readonly daysLeft?: number;
}

export function inspectCertificate(
  socket: tls.TLSSocket,
  host: string,
  now = new Date(),
): CertificateReport {
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0)
    return { trusted: false, chainError: "no certificate presented", subjectNames: [] };
  const names = (cert.subjectaltname ?? "")
    .split(/,\s*/)
    .filter((s) => s.startsWith("DNS:"))
    .map((s) => s.slice(4));
  const identity = tls.checkServerIdentity(host, cert);
  const validTo = cert.valid_to ? new Date(cert.valid_to) : undefined;
  // Node folds a name mismatch into authorizationError; the chain itself is then fine.
  const chainError =
    socket.authorized || String(socket.authorizationError) === "ERR_TLS_CERT_ALTNAME_INVALID"
      ? undefined
      : String(socket.authorizationError ?? "unverified");
  return {
    trusted: chainError === undefined,
    chainError,
    nameError: identity ? identity.message : undefined,
    subjectNames: names,
    validTo,
    daysLeft: validTo ? Math.floor((validTo.getTime() - now.getTime()) / 86_400_000) : undefined,
  };
}

/** One-line description of what is wrong with a certificate, or undefined when it is fine. */
export function certificateProblem(c: CertificateReport): string | undefined {
  if (!c.trusted) return `certificate not trusted (${c.chainError})`;
  if (c.nameError) return `certificate does not match: ${c.nameError}`;
  return undefined;
}
