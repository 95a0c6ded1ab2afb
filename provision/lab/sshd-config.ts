// sshd_config of one lab node. Pure: lab.ts writes it and starts sshd with `-f`.

export interface SshdConfigInput {
  node: string;
  address: string;
  port: number;
  hostKey: string;
  pidFile: string;
  authorizedKeys: string;
}

export function renderSshdConfig(c: SshdConfigInput): string {
  for (const [field, v] of Object.entries({ hostKey: c.hostKey, pidFile: c.pidFile, authorizedKeys: c.authorizedKeys })) {
    // sshd resolves relative paths against the user's home (AuthorizedKeysFile) or refuses them: keep them absolute.
    if (!v.startsWith('/')) throw new Error(`sshd config for ${c.node}: ${field} must be absolute, got ${JSON.stringify(v)}`);
    if (/\s/.test(v)) throw new Error(`sshd config for ${c.node}: ${field} must not contain whitespace: ${JSON.stringify(v)}`);
  }
  return `# etclab lab ${c.node}: written by \`etclab lab up\` (rewritten when it differs, sshd restarted then)
ListenAddress ${c.address}:${c.port}
HostKey ${c.hostKey}
PidFile ${c.pidFile}
AuthorizedKeysFile ${c.authorizedKeys}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
# The lab runs as root on one machine: no PAM stack, no login sessions to account.
UsePAM no
StrictModes yes
# The executor multiplexes many channels (one per command) over one connection per node.
MaxSessions 64
MaxStartups 64:64:64
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
# internal-sftp needs no extra package on the node.
Subsystem sftp internal-sftp
LogLevel INFO
`;
}
