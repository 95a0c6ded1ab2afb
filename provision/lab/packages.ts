// The Debian packages any node of the lab may be asked to install: every service module's, and the JDK.
// The lab's apt repository holds these (and their dependencies), so isolated nodes never reach the internet.
import { JAVA_PACKAGE } from '../inventory/defaults.ts';
import { serviceModules } from '../services/registry.ts';

export const labPackages = (): string[] => [...new Set([...serviceModules.flatMap((m) => m.packages ?? []), JAVA_PACKAGE])].sort();
