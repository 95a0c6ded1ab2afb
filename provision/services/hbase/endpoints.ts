// Where HBase answers: Thrift 8085 (the pipeline and the user's tools), thrift2 (table admin), the master's web UI.
import type { Inventory } from '../../inventory/types.ts';
import { firstNode, servicePort, type HostPort } from '../../inventory/members.ts';

export const hbaseThrift = (inv: Inventory): HostPort => ({ host: firstNode(inv, 'hbase', 'thrift').address, port: servicePort(inv, 'hbase', 'thrift') });
export const hbaseAdmin = (inv: Inventory): HostPort => ({ host: firstNode(inv, 'hbase', 'thrift2').address, port: servicePort(inv, 'hbase', 'thrift2') });
export const hbaseMasterWeb = (inv: Inventory): HostPort => ({ host: firstNode(inv, 'hbase', 'master').address, port: servicePort(inv, 'hbase', 'masterInfo') });
