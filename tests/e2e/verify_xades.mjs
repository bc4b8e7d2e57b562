// An independent XAdES check with xadesjs (and xmldsigjs beneath it): loads
// every ds:Signature of an XML file and verifies it, the signed properties
// included; prints what it found, exits 1 when a signature does not verify.
// Usage: node verify_xades.mjs SIGNED.xml
import { readFileSync } from "node:fs";
import { webcrypto } from "node:crypto";
import { DOMImplementation, DOMParser, XMLSerializer } from "@xmldom/xmldom";
import xpath from "xpath";
import * as xades from "xadesjs";

xades.setNodeDependencies({ DOMParser, XMLSerializer, DOMImplementation, xpath });
xades.Application.setEngine("NodeJS", webcrypto);

const doc = new DOMParser().parseFromString(readFileSync(process.argv[2], "utf8"), "application/xml");
const signatures = doc.getElementsByTagNameNS("http://www.w3.org/2000/09/xmldsig#", "Signature");
const results = [];
for (let i = 0; i < signatures.length; i++) {
  const signed = new xades.SignedXml(doc);
  signed.LoadXml(signatures[i]);
  const entry = { verified: false };
  try {
    entry.verified = await signed.Verify();
    const props = signed.SignedProperties.SignedSignatureProperties;
    entry.signingTime = props.SigningTime.Value?.toISOString?.() ?? null;
    entry.policy = props.SignaturePolicyIdentifier?.SignaturePolicyId?.SigPolicyId?.Identifier?.Value ?? null;
    entry.timestamps = signed.UnsignedProperties?.UnsignedSignatureProperties
      ?.GetIterator().filter((p) => p.localName === "SignatureTimeStamp").length ?? 0;
  } catch (e) {
    entry.error = String(e.message || e);
  }
  results.push(entry);
}
console.log(JSON.stringify(results));
process.exit(results.length > 0 && results.every((r) => r.verified) ? 0 : 1);
