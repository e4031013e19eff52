export {
  openApiDocument,
  openApiPath,
  type DocumentOptions,
  type OpenApiDocument,
  type Operation,
  type RouteKey,
} from './document.ts';
export { outputSchema } from './json-schema.ts';
export {
  describedElsewhere,
  operation,
  type OperationDoc,
  type ResponseDocs,
  type SuccessDoc,
} from './operation.ts';
export { problemRef, problemResponse, problemSchema } from './problem.ts';
export { securityOf, securitySchemes, type Caller } from './security.ts';
export { documentedBody } from './request-body.ts';
