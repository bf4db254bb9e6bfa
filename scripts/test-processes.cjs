// Test helper shared by the packages' suites: which processes are alive, read from /proc.
'use strict';
const { readdirSync, readFileSync } = require('node:fs');

/** Live (not zombie) processes of process group `pgid`, from /proc/<pid>/stat (its 5th field). */
function processGroupMembers(pgid) {
  const members = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(name));
    } catch {
      // Gone while listed.
    }
  }
  return members;
}

module.exports = { processGroupMembers };
