// The policy pack: `pulumi preview --policy-pack policies`. Only constructs the pack (its
// constructor starts serving); the policies live in their own modules (see all.ts).
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./all";

new PolicyPack("mta-sts", { policies: policies.map(({ kind: _kind, ...policy }) => policy) });
