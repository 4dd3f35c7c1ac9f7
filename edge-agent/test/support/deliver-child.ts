/**
 * A delivery-only edge process for crash tests: spool → uplink, nothing else.
 *   node --import tsx deliver-child.ts SPOOL_DIR MQTT_URL HTTP_URL
 */
import { createLogger } from '../../src/log';
import { startDelivery } from '../../src/spool/delivery';
import { SqliteSpool } from '../../src/spool/sqlite-spool';
import { HubUplink } from '../../src/uplink/mqtt-uplink';

const [dir, mqttUrl, httpUrl] = process.argv.slice(2) as [string, string, string];
const spool = new SqliteSpool({ dir, quotaBytes: 2 ** 31 });
const uplink = new HubUplink({
  mqttUrl,
  http: { baseUrl: httpUrl, deviceId: 'edge-boots', secret: 'edge-boots-secret-for-tests' },
  scheme: 'town',
  log: createLogger('test:child'),
  onFileUploaded: (id, name) => spool.markFileUploaded(id, name),
});
startDelivery({ spool, deliver: (item) => uplink.deliver(item), backoffInitialMs: 100, backoffMaxMs: 500 });
process.stdout.write('ready\n');
