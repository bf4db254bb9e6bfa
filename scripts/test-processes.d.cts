// Types of scripts/test-processes.cjs for the TypeScript test files that import it.

/** Live (not zombie) processes of process group `pgid`, from /proc/<pid>/stat. */
export declare function processGroupMembers(pgid: number): number[];
