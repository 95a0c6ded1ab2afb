// The lab's network: a bridge on the host, and per node a namespace, a veth pair, an address and loopback.
import { cidrOverlaps, LAB_BRIDGE, LAB_HOST_ADDRESS, LAB_PREFIX_LEN, LAB_SUBNET, type LabNode } from './layout.ts';
import { exists, hasAddr, ip, ipIn, isUp, nsExists, showLink } from './host.ts';
import type { Log } from './host.ts';

async function checkSubnetFree(): Promise<void> {
  const r = await ip('-j', '-4', 'route', 'show');
  const routes = JSON.parse(r.stdout) as { dst: string; dev?: string }[];
  const clash = routes.find((x) => x.dst !== 'default' && x.dev !== LAB_BRIDGE && cidrOverlaps(x.dst, LAB_SUBNET));
  if (clash) {
    throw new Error(
      `the lab subnet ${LAB_SUBNET} overlaps route ${clash.dst} on ${clash.dev ?? '?'}: ` +
        `refusing to add the lab bridge next to it`,
    );
  }
}

export async function ensureBridge(log: Log, changed: string[]): Promise<void> {
  let b = await showLink(LAB_BRIDGE);
  const did: string[] = [];
  if (b && b.linkinfo?.info_kind !== 'bridge') {
    throw new Error(`${LAB_BRIDGE} exists but is a ${b.linkinfo?.info_kind ?? 'non-bridge'} device: not touching it`);
  }
  if (!b) {
    await checkSubnetFree();
    await ip('link', 'add', LAB_BRIDGE, 'type', 'bridge');
    did.push('created');
    b = (await showLink(LAB_BRIDGE))!;
  }
  if (!hasAddr(b, LAB_HOST_ADDRESS, LAB_PREFIX_LEN)) {
    await ip('addr', 'add', `${LAB_HOST_ADDRESS}/${LAB_PREFIX_LEN}`, 'dev', LAB_BRIDGE);
    did.push(`address ${LAB_HOST_ADDRESS}/${LAB_PREFIX_LEN}`);
  }
  if (!isUp(b)) {
    await ip('link', 'set', LAB_BRIDGE, 'up');
    did.push('up');
  }
  if (did.length) {
    log(`lab bridge ${LAB_BRIDGE}: ${did.join(', ')}`);
    changed.push(`bridge ${did.join(', ')}`);
  } else log(`lab bridge ${LAB_BRIDGE}: already up`);
}

export async function ensureNodeNetwork(n: LabNode, log: Log, changed: string[]): Promise<void> {
  const did: string[] = [];
  if (!(await nsExists(n.namespace))) {
    await ip('netns', 'add', n.namespace);
    did.push(`namespace ${n.namespace}`);
  }
  let hv = await showLink(n.hostVeth);
  if (hv && hv.linkinfo?.info_kind !== 'veth') {
    throw new Error(`${n.hostVeth} exists but is a ${hv.linkinfo?.info_kind ?? 'non-veth'} device: not touching it`);
  }
  if (hv && did.length) {
    // The namespace was just made, so this veth's other end sits in an old, unnamed one (its `ip netns`
    // name was deleted while a process kept it alive): useless, make a new pair.
    await ip('link', 'del', n.hostVeth);
    hv = null;
  }
  if (!hv) {
    // An eth0 left inside the namespace without its host side is not our veth (a veth dies as a pair).
    if (await showLink('eth0', n.namespace)) await ipIn(n.namespace, 'link', 'del', 'eth0');
    // The peer is born inside the namespace under a temporary name and renamed there, so the host's own
    // eth0 is never in the way (nor touched).
    await ip('link', 'add', n.hostVeth, 'type', 'veth', 'peer', 'name', n.peerVeth, 'netns', n.namespace);
    await ipIn(n.namespace, 'link', 'set', n.peerVeth, 'name', 'eth0');
    did.push(`veth ${n.hostVeth}`);
    hv = (await showLink(n.hostVeth))!;
  }
  if (hv.master !== LAB_BRIDGE) {
    await ip('link', 'set', n.hostVeth, 'master', LAB_BRIDGE);
    did.push(`${n.hostVeth} on ${LAB_BRIDGE}`);
  }
  if (!isUp(hv)) {
    await ip('link', 'set', n.hostVeth, 'up');
    did.push(`${n.hostVeth} up`);
  }
  const lo = await showLink('lo', n.namespace);
  if (!lo || !isUp(lo)) {
    await ipIn(n.namespace, 'link', 'set', 'lo', 'up');
    did.push('lo up');
  }
  const eth0 = await showLink('eth0', n.namespace);
  if (!eth0) throw new Error(`${n.namespace}: eth0 missing after creating the veth pair`);
  if (!hasAddr(eth0, n.address, LAB_PREFIX_LEN)) {
    await ipIn(n.namespace, 'addr', 'add', `${n.address}/${LAB_PREFIX_LEN}`, 'dev', 'eth0');
    did.push(`address ${n.address}`);
  }
  if (!isUp(eth0)) {
    await ipIn(n.namespace, 'link', 'set', 'eth0', 'up');
    did.push('eth0 up');
  }
  if (did.length) {
    log(`lab ${n.name} network: ${did.join(', ')}`);
    changed.push(`${n.name} network: ${did.join(', ')}`);
  } else log(`lab ${n.name} network (${n.namespace}, ${n.address}): already up`);
}
