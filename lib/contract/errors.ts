/** Thrown for any invalid configuration value; the message names the setting, value and rule. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
