// The cluster DNS: zone files, Corefile and pods' resolv.conf, generated (pure).
export type { DnsInput, DnsPod, DnsService, DnsServicePort } from './types.js';
export { DNS_SCHEMA_VERSION, DNS_TTL, clusterZone, dashedIp, endpointName, podName, reverseName, reverseZone, serviceName } from './zone.js';
export { DNS_HEALTH_PORT, DNS_METRICS_PORT, DNS_READY_PORT, corefile, type CorefileOptions } from './corefile.js';
export { dnsServiceIP, resolvConf, resolvConfText, type ResolvConf } from './resolv.js';
export { DNS_CONFIG_DIR, REVERSE_FILE_NAME, dnsFiles, dnsZoneFiles, zoneFileName, type DnsFile } from './files.js';
