/** The logging seam of the FTPS client: the rest of the program passes its logger in; silent by default. */
export interface FtpLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export const silentLogger: FtpLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
};
