/** The `paths` and `components` types of an OpenAPI document, as openapi-typescript writes them. */
export function generateTypes(document: object): Promise<string>;
