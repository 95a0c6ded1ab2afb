// Where HDFS answers: the NameNode's RPC (fs.defaultFS) and web/JMX ports.
import type { Inventory } from '../../inventory/types.ts';
import { firstNode, servicePort, type HostPort } from '../../inventory/members.ts';

export const namenodeWeb = (inv: Inventory): HostPort => ({ host: firstNode(inv, 'hdfs', 'namenode').address, port: servicePort(inv, 'hdfs', 'namenodeHttp') });
export const namenodeRpc = (inv: Inventory): HostPort => ({ host: firstNode(inv, 'hdfs', 'namenode').address, port: servicePort(inv, 'hdfs', 'namenodeRpc') });
