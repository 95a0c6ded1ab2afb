// Where Flink answers: the JobManager's REST API and web UI (8081), what `flink run -m` names.
import type { Inventory } from '../../inventory/types.ts';
import { firstNode, servicePort, type HostPort } from '../../inventory/members.ts';

export const flinkRest = (inv: Inventory): HostPort => ({ host: firstNode(inv, 'flink', 'jobmanager').address, port: servicePort(inv, 'flink', 'rest') });
