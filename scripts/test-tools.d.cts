// Types of scripts/test-tools.cjs for the TypeScript test files that import it.

/** A system tool a test suite may need. */
export type ToolId = 'root' | 'sshd' | 'ssh' | 'ssh-keygen' | 'ip' | 'ps' | 'chromium' | 'promtool' | 'python3' | 'loop-device' | 'zram' | 'mkfs.ext4';

/** Each tool: the Debian package that provides it (null for root) and how it is found. */
export declare const TOOLS: Record<ToolId, { debian: string | null; find: () => string | undefined; how?: string }>;
/** The Debian packages the full test suite uses. */
export declare const DEBIAN_PACKAGES: readonly string[];
/** Where skipped suites are recorded (JSON lines), read by scripts/test-summary.mjs. */
export declare const SKIPS_FILE: string;
/** The absolute path of a tool, or undefined when it is missing. */
export declare function toolPath(id: ToolId): string | undefined;
/** The ids that are missing here. */
export declare function missingTools(ids: readonly ToolId[]): ToolId[];
/** What is missing and how to get it, one line. */
export declare function howToGet(ids: readonly ToolId[]): string;
/** `describe` when the tools are here; skipped (and recorded) when not; one failing test under CI=true. */
export declare function describeWithTools(tools: readonly ToolId[], name: string, fn: () => void): void;
/** `it` when the tools are here; skipped (and recorded) when not; a failing test under CI=true. */
export declare function itWithTools(tools: readonly ToolId[], name: string, fn: jest.ProvidesCallback, timeout?: number): void;
/** tool id -> test files (relative to the repo root) that ask for it. */
export declare function toolUsers(root?: string): Map<string, string[]>;
/**
 * Installs the missing tools' Debian packages when root with apt-get (one line each, what and why), then
 * names what is still missing with the suites it affects. Returns the ids still missing.
 */
export declare function provisionTestTools(root?: string, log?: (line: string) => void): ToolId[];
