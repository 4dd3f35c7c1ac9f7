export * from './common';
export * from './provisioning';
export * from './alerts';
export * from './devices';
export * from './errors';
export * from './http';
export * from './ws';
export * from './topics';
