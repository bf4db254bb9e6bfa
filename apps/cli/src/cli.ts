console.error('mlpstorage: not built yet'); process.exit(2);
