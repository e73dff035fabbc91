// Version strings, in a module of their own so that anything can import them without pulling
// in the server (and its import cycle through the handlers).

/** The Redis version hakv is compatible with, as INFO, HELLO and LOLWUT report it. */
export const REDIS_VERSION = "7.0.15";
export const HAKV_VERSION = "0.1.0";
