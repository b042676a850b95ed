// The worker entry point: queue processors, dispatcher and reconciler, no HTTP (same as APP_ROLE=worker).
process.env.APP_ROLE = 'worker';
require('./main');
