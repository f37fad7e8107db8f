// Reading the app's context values.  `-c key=value` on the command line
// always gives a string, while cdk.json may hold any JSON: a list may come
// as an array, as a JSON array string or as a comma-separated list.
import { Node } from 'constructs';

/** A context value the app cannot use; bin/app.ts prints the message alone. */
export class ContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContextError';
  }
}

const LIST_FORMS = 'a JSON array (\'["subnet-0a1b2c3d","subnet-4e5f6a7b"]\') or a comma-separated '
  + 'list (subnet-0a1b2c3d,subnet-4e5f6a7b)';

/** A string value; absent, null and "" (cdk.json's placeholders) are undefined. */
export function stringContext(node: Node, key: string): string | undefined {
  const v: unknown = node.tryGetContext(key);

  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') {
    throw new ContextError(`${key} must be a string, not ${JSON.stringify(v)}`);
  }
  return String(v).trim() || undefined;
}

/** true/false, as a boolean in cdk.json or a string on the command line. */
export function boolContext(node: Node, key: string): boolean {
  const v: unknown = node.tryGetContext(key);

  if (v === undefined || v === null || v === '' || v === false) return false;
  if (v === true) return true;
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) {
    return v.trim().toLowerCase() === 'true';
  }
  throw new ContextError(`${key} must be true or false, not ${JSON.stringify(v)}`);
}

/** A list of strings in any of the three forms; undefined when empty. */
export function listContext(node: Node, key: string): string[] | undefined {
  const v: unknown = node.tryGetContext(key);
  let items: unknown[];

  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) {
    items = v;
  } else if (typeof v !== 'string') {
    throw new ContextError(`${key} must be ${LIST_FORMS}, not ${JSON.stringify(v)}`);
  } else if (v.trim().startsWith('[')) {
    try {
      items = JSON.parse(v);
    } catch (e) {
      throw new ContextError(`${key} is not valid JSON (${(e as Error).message}): ${v}; `
        + `give ${LIST_FORMS}`);
    }
    if (!Array.isArray(items)) throw new ContextError(`${key} must be ${LIST_FORMS}: ${v}`);
  } else {
    items = v.split(',');
  }
  const list = items.map((item) => {
    if (typeof item !== 'string') {
      throw new ContextError(`${key}: ${JSON.stringify(item)} is not a string; give ${LIST_FORMS}`);
    }
    return item.trim();
  }).filter((item) => item !== '');
  return list.length ? list : undefined;
}

/** A list of AWS resource ids of one kind ("subnet", "sg", ...). */
export function idListContext(node: Node, key: string, kind: string): string[] | undefined {
  const ids = listContext(node, key);

  for (const id of ids ?? []) {
    if (!new RegExp(`^${kind}-[0-9a-f]+$`).test(id)) {
      throw new ContextError(`${key}: "${id}" is not a ${kind} id (${kind}-0123abcd...); `
        + `give ${LIST_FORMS}`);
    }
    if (ids!.indexOf(id) !== ids!.lastIndexOf(id)) {
      throw new ContextError(`${key}: ${id} is named twice`);
    }
  }
  return ids;
}

/** One AWS resource id of one kind ("vpc", "sg", ...). */
export function idContext(node: Node, key: string, kind: string): string | undefined {
  const id = stringContext(node, key);

  if (id !== undefined && !new RegExp(`^${kind}-[0-9a-f]+$`).test(id)) {
    throw new ContextError(`${key}: "${id}" is not a ${kind} id (${kind}-0123abcd...)`);
  }
  return id;
}

/** An ARN of one service ("sns", ...): arn:PARTITION:SERVICE:REGION:ACCOUNT:NAME. */
export function arnContext(node: Node, key: string, service: string): string | undefined {
  const arn = stringContext(node, key);

  if (arn !== undefined
      && !new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]+$`).test(arn)) {
    throw new ContextError(`${key}: "${arn}" is not an ${service.toUpperCase()} ARN `
      + `(arn:aws:${service}:REGION:ACCOUNT:NAME)`);
  }
  return arn;
}

/**
 * FLYWAY_* variables for the function, the old function's environment
 * block: an object in cdk.json, or its JSON on the command line.  Names
 * only in messages (a value may be a secret placeholder); FLYWAY_PASSWORD
 * belongs in the secret.
 */
export function flywayEnvContext(node: Node, key: string): Record<string, string> {
  let v: unknown = node.tryGetContext(key);

  if (v === undefined || v === null || v === '') return {};
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch (e) {
      throw new ContextError(`${key} is not valid JSON (${(e as Error).message}); give an object `
        + 'such as {"FLYWAY_LOCATIONS":"filesystem:./sql/postgresql"}');
    }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ContextError(`${key} must be an object of FLYWAY_* variables`);
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(v as Record<string, unknown>)) {
    if (!/^FLYWAY_[A-Za-z0-9_]+$/.test(name)) {
      throw new ContextError(`${key}: ${JSON.stringify(name)} is not a FLYWAY_* variable`);
    }
    if (name === 'FLYWAY_PASSWORD' || name === 'FLYWAY_URL') {
      throw new ContextError(`${key}: ${name} does not belong here: the password comes from the `
        + 'secret (secretArn), the URL from flywayUrl');
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new ContextError(`${key}: ${name} must be a string`);
    }
    env[name] = String(value);
  }
  return env;
}

/** PG_MIGRATE_ENGINE: auto, extension or client. */
export function engineContext(node: Node, key: string): string | undefined {
  const v = stringContext(node, key);

  if (v !== undefined && !/^(auto|extension|client)$/.test(v)) {
    throw new ContextError(`${key} must be auto, extension or client, not ${JSON.stringify(v)}`);
  }
  return v;
}
