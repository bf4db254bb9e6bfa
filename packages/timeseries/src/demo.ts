// Placeholder entry replaced by the collector work; kept so the build has both entries.
console.log('mlps demo: collector not built yet');
