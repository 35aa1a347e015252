/**
 * GitHub's own descriptions of its APIs, for checking what the app sends: REST request bodies and
 * parameters against the OpenAPI extract in fixtures/github/openapi-requests.json (from
 * @octokit/openapi), GraphQL documents and variables against @octokit/graphql-schema.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schema } from '@octokit/graphql-schema';
import { Ajv, type ValidateFunction } from 'ajv';
import {
  buildClientSchema,
  getOperationAST,
  getVariableValues,
  parse,
  validate,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly required: boolean;
  readonly schema: object;
}
interface OperationSpec {
  readonly operationId: string;
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly Parameter[];
  readonly requestBody?: { readonly required: boolean; readonly schema: object };
}

/** A REST operation matched by method and path, with its validators compiled. */
export interface RestOperation {
  readonly operationId: string;
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  readonly pathNames: readonly string[];
  readonly parameters: readonly Parameter[];
  readonly body?: ValidateFunction;
  readonly bodyRequired: boolean;
  readonly params: ValidateFunction;
}

const ajv = new Ajv({ strict: false, allErrors: true });
const paramAjv = new Ajv({ strict: false, allErrors: true, coerceTypes: true });
for (const a of [ajv, paramAjv]) {
  a.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  a.addFormat('uri', /^[a-z][a-z0-9+.-]*:\S+$/i);
  a.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
}

let operations: RestOperation[] | undefined;

/** Every REST operation of the extract, compiled once. */
export function restOperations(): RestOperation[] {
  if (operations) return operations;
  const file = join(process.cwd(), 'fixtures', 'github', 'openapi-requests.json');
  const spec = JSON.parse(readFileSync(file, 'utf8')) as { operations: OperationSpec[] };
  operations = spec.operations.map((op) => {
    const pathNames: string[] = [];
    const pattern = new RegExp(
      '^' +
        op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
          pathNames.push(name);
          return name === 'path' ? '(.+)' : '([^/]+)';
        }) +
        '$',
    );
    const properties: Record<string, object> = {};
    const required: string[] = [];
    for (const p of op.parameters) {
      properties[p.name] = p.schema;
      if (p.required) required.push(p.name);
    }
    return {
      operationId: op.operationId,
      method: op.method,
      template: op.path,
      pattern,
      pathNames,
      parameters: op.parameters,
      ...(op.requestBody ? { body: ajv.compile(op.requestBody.schema) } : {}),
      bodyRequired: op.requestBody?.required ?? false,
      params: paramAjv.compile({ type: 'object', properties, required }),
    };
  });
  return operations;
}

/** The outcome of matching and validating one REST request. */
export interface RestCheck {
  readonly operation?: RestOperation;
  readonly pathParams: Record<string, string>;
  readonly errors: string[];
}

/**
 * checkRestRequest finds the operation for a request (path without the /api/v3 prefix) and
 * validates its parameters and JSON body against GitHub's schema. A request to an operation that
 * is not in the extract is an error too: the app should call nothing else.
 */
export function checkRestRequest(method: string, path: string, query: URLSearchParams, body: unknown): RestCheck {
  for (const operation of restOperations()) {
    if (operation.method !== method) continue;
    const match = operation.pattern.exec(path);
    if (!match) continue;
    const pathParams: Record<string, string> = {};
    operation.pathNames.forEach((name, i) => (pathParams[name] = decodeURIComponent(match[i + 1] ?? '')));
    const params: Record<string, unknown> = { ...pathParams };
    for (const [k, v] of query) if (operation.parameters.some((p) => p.name === k)) params[k] = v;
    const errors: string[] = [];
    for (const k of query.keys()) if (!operation.parameters.some((p) => p.name === k)) errors.push(`unknown query parameter ${k}`);
    if (!operation.params(params)) errors.push(...(operation.params.errors ?? []).map((e) => `parameter ${e.instancePath} ${e.message}`));
    if (operation.body) {
      if (body === undefined) {
        if (operation.bodyRequired) errors.push('request body missing');
      } else if (!operation.body(body)) {
        errors.push(...(operation.body.errors ?? []).map((e) => `body ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`));
      }
    } else if (body !== undefined && method !== 'GET') {
      errors.push('unexpected request body');
    }
    return { operation, pathParams, errors };
  }
  return { pathParams: {}, errors: [`no GitHub REST operation ${method} ${path} in fixtures/github/openapi-requests.json`] };
}

let graphqlSchema: GraphQLSchema | undefined;

/** GitHub's GraphQL schema (@octokit/graphql-schema's introspection result), built once. */
export function githubGraphqlSchema(): GraphQLSchema {
  if (graphqlSchema) return graphqlSchema;
  const introspection = schema.json as IntrospectionQuery | { data: IntrospectionQuery };
  graphqlSchema = buildClientSchema('data' in introspection ? introspection.data : introspection);
  return graphqlSchema;
}

/** checkGraphqlRequest validates a document against GitHub's schema and its variables against the document. */
export function checkGraphqlRequest(query: string, variables: Record<string, unknown> = {}): string[] {
  const github = githubGraphqlSchema();
  let document;
  try {
    document = parse(query);
  } catch (error) {
    return [`syntax: ${(error as Error).message}`];
  }
  const errors = validate(github, document).map((e) => e.message);
  if (errors.length > 0) return errors;
  const operation = getOperationAST(document);
  if (!operation) return ['no single operation in the document'];
  const coerced = getVariableValues(github, operation.variableDefinitions ?? [], variables);
  if (coerced.errors) errors.push(...coerced.errors.map((e) => e.message));
  const declared = new Set((operation.variableDefinitions ?? []).map((d) => d.variable.name.value));
  for (const name of Object.keys(variables)) if (!declared.has(name)) errors.push(`variable $${name} is not declared`);
  return errors;
}
