import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LAB_SCHEMA_FILE, labJsonSchema, labJsonSchemaText } from '../../../src/labfile/schema/write.js';

describe('schema/lab.schema.json', () => {
  it('is current: regenerate with `npx tsc -p . && node dist/labfile/schema/write.js`', () => {
    const onDisk = readFileSync(LAB_SCHEMA_FILE, 'utf8');
    expect(JSON.parse(onDisk)).toEqual(labJsonSchema());
    expect(onDisk).toBe(labJsonSchemaText());
  });

  it('is a draft-07 schema with a title and documented fields for editors', () => {
    const schema = labJsonSchema() as {
      $schema: string;
      title: string;
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { description?: string; properties?: Record<string, { description?: string; default?: unknown }> }>;
    };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.title).toBe('netlab lab file');
    expect(schema.required).toEqual(['name']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(['name', 'title', 'description', 'topology', 'workloads', 'checks', 'exercises']);
    for (const key of Object.keys(schema.properties)) expect(schema.properties[key]!.description, key).toBeTruthy();
    // Defaults show as defaults, not as required fields.
    expect(schema.properties.topology!.properties!.routing!.default).toBe('router');
    const topology = schema.properties.topology!.properties!;
    expect([topology.serviceCIDR!.default, topology.clusterCIDR!.default, topology.proxyMode!.default, topology.publish!.default]).toEqual([
      '10.96.0.0/12',
      '10.0.0.0/16',
      'iptables',
      false,
    ]);
    // dns has no fixed default: it follows whether the lab has a Service.
    expect(topology.dns!.default).toBeUndefined();
    for (const key of ['serviceCIDR', 'clusterCIDR', 'proxyMode', 'dns', 'publish']) expect(topology[key]!.description, key).toBeTruthy();
    // Service manifests are offered under workloads.
    expect(JSON.stringify(schema.properties.workloads)).toContain('"title":"Service"');
    expect(JSON.stringify(schema)).toContain('sessionAffinityConfig');
    expect(JSON.stringify(schema)).toContain('imagePullPolicy');
  });
});
