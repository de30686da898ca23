/** The one call of swagger2openapi the spec helpers use (the package ships no types). */
declare module 'swagger2openapi' {
  const swagger2openapi: {
    convertObj(swagger: object, options: { patch?: boolean; warnOnly?: boolean }): Promise<{ openapi: object }>;
  };
  export default swagger2openapi;
}
