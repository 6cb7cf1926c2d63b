// The part of madge's API the import test uses (madge ships no declarations).
declare module 'madge' {
  namespace madge {
    interface MadgeInstance {
      /** Each file (relative to the folder) and the files it imports. */
      obj(): Record<string, string[]>;
      /** The import circles, each as its files in order. */
      circular(): string[][];
    }
    interface MadgeConfig {
      fileExtensions?: string[];
      excludeRegExp?: RegExp[];
    }
  }
  function madge(path: string, config?: madge.MadgeConfig): Promise<madge.MadgeInstance>;
  export = madge;
}
