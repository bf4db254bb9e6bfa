// Programmatic entry of the CLI (used by tests).
export {};
