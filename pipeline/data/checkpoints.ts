import type { BoundaryLevel } from './record.ts';

/** The 19 checkpoints of the data set (road + K value identifies a checkpoint; see the user's 2025-12-02 notes). */
export interface Checkpoint {
  roadId: string;
  kIndex: string;
  level: BoundaryLevel;
  detail: string;
  label: string;
}

export const CHECKPOINTS: readonly Checkpoint[] = [
  { roadId: 'G104', kIndex: 'K744', level: 'PROVINCE', detail: '江苏-山东', label: '苏鲁界' },
  { roadId: 'G104', kIndex: 'K873', level: 'PROVINCE', detail: '江苏-安徽', label: '苏皖界' },
  { roadId: 'G206', kIndex: 'K816', level: 'PROVINCE', detail: '江苏-安徽', label: '苏皖界' },
  { roadId: 'G235', kIndex: 'K10', level: 'CITY', detail: '徐州-连云港', label: '连云港交界' },
  { roadId: 'G237', kIndex: 'K148', level: 'PROVINCE', detail: '江苏-山东', label: '苏鲁界' },
  { roadId: 'G310', kIndex: 'K310', level: 'PROVINCE', detail: '江苏-安徽', label: '苏皖界' },
  { roadId: 'G311', kIndex: 'K207', level: 'PROVINCE', detail: '江苏-安徽', label: '苏皖界' },
  { roadId: 'G3', kIndex: 'K731', level: 'PROVINCE', detail: '江苏-山东', label: '苏鲁界' },
  { roadId: 'G518', kIndex: 'K358', level: 'PROVINCE', detail: '江苏-山东', label: '苏鲁界' },
  { roadId: 'S250', kIndex: 'K1', level: 'PROVINCE', detail: '江苏-山东', label: '苏鲁界' },
  { roadId: 'S251', kIndex: 'K5', level: 'PROVINCE', detail: '江苏-山东', label: '苏鲁界' },
  { roadId: 'S252', kIndex: 'K56', level: 'PROVINCE', detail: '江苏-安徽', label: '苏皖界' },
  { roadId: 'S253', kIndex: 'K0', level: 'PROVINCE', detail: '江苏-山东', label: '苏鲁界' },
  { roadId: 'S323', kIndex: 'K10', level: 'CITY', detail: '徐州-连云港', label: '连云港交界' },
  { roadId: 'S323', kIndex: 'K96', level: 'CITY', detail: '徐州-连云港', label: '连云港交界' },
  { roadId: 'S324', kIndex: 'K201', level: 'CITY', detail: '睢宁-宿迁', label: '县界' },
  { roadId: 'S325', kIndex: 'K63', level: 'CITY', detail: '徐州-宿迁', label: '宿迁界' },
  { roadId: 'S505', kIndex: 'K10', level: 'CITY', detail: '徐州-宿迁', label: '宿迁界' },
  { roadId: 'X308', kIndex: 'K19', level: 'CITY', detail: '丰县-睢宁', label: '县界' },
];

const LEVEL_CN: Record<BoundaryLevel, string> = { PROVINCE: '省际卡口', CITY: '市际卡口' };

/** CLEAN_KKMC is defined as road-K-level (e.g. `S250-K1-省际卡口`); the export has at least one row set that breaks this. */
export function canonicalKkmc(roadId: string, kIndex: string, level: BoundaryLevel): string {
  return `${roadId}-${kIndex}-${LEVEL_CN[level]}`;
}

const byKey = new Map(CHECKPOINTS.map((c) => [`${c.roadId}|${c.kIndex}`, c]));

/**
 * Finds the checkpoint a raw KKMC text names. Raw names vary in wording, but every one carries
 * the road number (G/S/X + digits) and a K value, which together identify the checkpoint.
 */
export function checkpointFromRawKkmc(kkmc: string): Checkpoint | undefined {
  const text = kkmc.toUpperCase().replace(/\s+/g, '');
  const road = /([GSX]\d{1,4})/.exec(text);
  const k = /K(\d{1,4})(?!\d)/.exec(text.slice(road ? road.index + road[1].length : 0));
  if (!road || !k) return undefined;
  return byKey.get(`${road[1]}|K${Number(k[1])}`);
}
