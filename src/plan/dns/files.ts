// Everything the CoreDNS container reads, as files to put into it (Docker putArchive or
// a bind-mounted folder): the Corefile and the two zone files, in /etc/coredns (the
// image's CMD is `-conf /etc/coredns/Corefile`).
import { corefile } from './corefile.js';
import type { DnsInput } from './types.js';
import { clusterZone, reverseZone } from './zone.js';

export const DNS_CONFIG_DIR = '/etc/coredns';

export interface DnsFile {
  /** Its name inside DNS_CONFIG_DIR. */
  name: string;
  content: string;
}

/** `db.<domain>`: the zone file's name, as CoreDNS's examples name them. */
export function zoneFileName(domain: string): string {
  return `db.${domain.replace(/\.+$/, '')}`;
}

export const REVERSE_FILE_NAME = 'db.in-addr.arpa';

/**
 * The Corefile and zone files for `input`. To change the records later, put only the two
 * zone files again with a greater serial: CoreDNS loads them within a second.
 */
export function dnsFiles(input: DnsInput, options: { log?: boolean } = {}): DnsFile[] {
  const zone = zoneFileName(input.domain);
  return [
    {
      name: 'Corefile',
      content: corefile({
        domain: input.domain,
        zoneFile: `${DNS_CONFIG_DIR}/${zone}`,
        reverseFile: `${DNS_CONFIG_DIR}/${REVERSE_FILE_NAME}`,
        log: options.log,
      }),
    },
    { name: zone, content: clusterZone(input) },
    { name: REVERSE_FILE_NAME, content: reverseZone(input) },
  ];
}

/** Only the zone files: what an update puts. */
export function dnsZoneFiles(input: DnsInput): DnsFile[] {
  return dnsFiles(input).filter((f) => f.name !== 'Corefile');
}
