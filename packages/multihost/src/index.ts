// Public API of multihost. Only what is exported here is public.
export {};
