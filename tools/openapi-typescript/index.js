// openapi-typescript prints its output with the TypeScript 5 compiler API. The project builds
// with TypeScript 7, which has no such API, and npm cannot put both at the root; this package
// holds openapi-typescript with a TypeScript 5 of its own (decision 0055).
import openapiTS, { astToString } from 'openapi-typescript';

/** The `paths` and `components` types of an OpenAPI document, as openapi-typescript writes them. */
export async function generateTypes(document) {
  return astToString(await openapiTS(document));
}
