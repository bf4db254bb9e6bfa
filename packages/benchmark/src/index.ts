// Public API of benchmark. Only what is exported here is public.
export {};
