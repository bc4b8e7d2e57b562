// Validates recorded /api/v1 answers against the server's OpenAPI 3.1
// document: @apidevtools/swagger-parser checks the document and resolves
// its references, ajv (JSON Schema 2020-12) checks each answer's body
// against the schema declared for its path, method and status.
//   node validate_api_answers.mjs ANSWERS.json
// ANSWERS.json: {"base": "http://…", "answers": [{method, template, status, content_type, body}]}
import { readFileSync } from "node:fs";
import SwaggerParser from "@apidevtools/swagger-parser";
import Ajv2020 from "ajv/dist/2020.js";

const { base, answers } = JSON.parse(readFileSync(process.argv[2], "utf8"));
const document = await (await fetch(base + "/api/v1/openapi.json")).json();
const api = await SwaggerParser.validate(structuredClone(document));
const ajv = new Ajv2020({ strict: false });
const failures = [];
for (const a of answers) {
  const where = `${a.method.toUpperCase()} ${a.template} → ${a.status}`;
  const operation = api.paths[a.template]?.[a.method];
  if (!operation) { failures.push(`${where}: not in the document`); continue; }
  const declared = operation.responses[String(a.status)];
  if (!declared) { failures.push(`${where}: status not declared`); continue; }
  const [mediaType, media] = Object.entries(declared.content ?? {})[0] ?? [];
  if (mediaType !== a.content_type) { failures.push(`${where}: ${a.content_type}, declared ${mediaType}`); continue; }
  const validate = ajv.compile(media.schema);
  if (!validate(a.body)) failures.push(`${where}: ${JSON.stringify(validate.errors)} in ${JSON.stringify(a.body)}`);
}
if (failures.length) {
  console.error(failures.join("\n"));
  process.exit(1);
}
console.log(`${answers.length} answers valid against the OpenAPI document`);
