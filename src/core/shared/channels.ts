/** Where a claim comes from. `offline_event` claims are possible only with a platform-issued code. */
export const CHANNELS = ['app', 'web', 'mini_program', 'offline_event', 'api'] as const;
export type Channel = (typeof CHANNELS)[number];
