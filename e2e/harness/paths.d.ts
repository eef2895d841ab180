export declare const repoRoot: string;
/** Git-ignored: everything the e2e harness generates goes here. */
export declare const artifactsDir: string;
export declare const logsDir: string;
/** Git-ignored: screenshots specs take on purpose, for people to look at. */
export declare const screenshotsDir: string;
