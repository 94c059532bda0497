import { z } from 'zod';
import * as records from '../../domain/records.ts';
import * as requests from '../../domain/requests.ts';
import * as responses from '../../domain/responses.ts';
import * as domain from '../../domain/schemas.ts';
import { EventSchema, eventSchemas } from '../../events/event-schema.ts';

type JsonSchema = Record<string, unknown>;

const componentPrefix = '#/components/schemas/';

/**
 * Turns zod schemas into OpenAPI components, named: the domain's own schemas by their export name
 * (`RunSchema` → `Run`), events as `<Type>Event`, anything else by the name the caller gives.
 * Requests are converted as zod *accepts* them (`io: 'input'`: unknown keys are ignored), answers as
 * it *produces* them (`io: 'output'`: no other keys), so the two sides never share a component.
 */
export class SchemaComponents {
  readonly #output = z.registry<{ id: string }>();
  readonly #input = z.registry<{ id: string }>();
  readonly #names = new Set<string>();

  constructor() {
    for (const module of [domain, records, responses]) {
      for (const [name, value] of Object.entries(module)) {
        if (name.endsWith('Schema') && value instanceof z.ZodType) this.#add(this.#output, value, name.slice(0, -'Schema'.length));
      }
    }
    for (const [type, schema] of Object.entries(eventSchemas)) this.#add(this.#output, schema, `${pascal(type)}Event`);
    this.#add(this.#output, EventSchema, 'Event');
  }

  /** A `$ref` to the answer schema, registering it as `fallbackName` when it has no name yet. */
  output(schema: z.ZodType, fallbackName: string): JsonSchema {
    return { $ref: componentPrefix + (this.#output.get(schema)?.id ?? this.#add(this.#output, schema, fallbackName)) };
  }

  /** A `$ref` to the request schema, named after `requests.ts` when it is one of those, else `fallbackName`. */
  input(schema: z.ZodType, fallbackName: string): JsonSchema {
    const known = Object.entries(requests).find(([, value]) => value === schema)?.[0];
    const name = this.#input.get(schema)?.id ?? this.#add(this.#input, schema, known ? known.slice(0, -'Schema'.length) : fallbackName);
    return { $ref: componentPrefix + name };
  }

  /** Every component that `roots` refer to, directly or through other components, sorted by name. */
  components(roots: unknown): Record<string, JsonSchema> {
    const uri = (id: string) => componentPrefix + id;
    const all: Record<string, JsonSchema> = {
      ...z.toJSONSchema(this.#output, { uri, io: 'output', unrepresentable: 'any' }).schemas,
      ...z.toJSONSchema(this.#input, { uri, io: 'input', unrepresentable: 'any' }).schemas,
    };
    const used = new Set<string>();
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) return value.forEach(visit);
      if (value === null || typeof value !== 'object') return;
      for (const [key, child] of Object.entries(value)) {
        if (key === '$ref' && typeof child === 'string' && child.startsWith(componentPrefix)) {
          const name = child.slice(componentPrefix.length);
          if (!used.has(name)) {
            used.add(name);
            visit(all[name]);
          }
        } else {
          visit(child);
        }
      }
    };
    visit(roots);
    return Object.fromEntries([...used].sort().map((name) => [name, withoutIdentity(all[name])]));
  }

  #add(registry: z.core.$ZodRegistry<{ id: string }>, schema: z.ZodType, name: string): string {
    if (this.#names.has(name)) throw new Error(`two schemas want the component name ${name}`);
    this.#names.add(name);
    registry.add(schema, { id: name });
    return name;
  }
}

/** `run-retrying` → `RunRetrying`, `sendMessage` → `SendMessage`. */
export function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_match, _dash: string, letter: string) => letter.toUpperCase());
}

/** Components sit inside the document: the `$schema` and `$id` zod puts on each would be wrong there. */
function withoutIdentity(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}
