/**
 * Formats of common writers, as data: each is what a user would otherwise declare by hand (format.ts).
 * Regular expressions run on RE2; every time field is recognised by readTimeField unless a layout is given.
 */
export interface Preset {
  format?: string;
  regex?: string;
  timeLayout?: string;
  /** What writes it, for `healctl` listings and error messages. */
  description: string;
}

export const PRESETS = {
  'syslog-rfc3164': {
    // `<34>Oct 11 22:14:15 mymachine su[123]: 'su root' failed`; the PRI is optional (files written by rsyslog
    // leave it out); the program may carry a facility in parentheses (`sshd(pam_unix)[19939]`).
    regex:
      '^(?:<(?P<Pri>\\d{1,3})>)?(?P<Month>[A-Za-z]{3})\\s+(?P<Day>\\d{1,2})\\s+(?P<Time>\\d{2}:\\d{2}:\\d{2})\\s+(?P<Host>\\S+)\\s+(?P<Program>[^:\\s]+?):\\s*',
    description: 'BSD syslog (RFC 3164), as /var/log/messages and journalctl -o short write it',
  },
  'syslog-rfc5424': {
    // `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 [exampleSDID@32473 iut="3"] msg`
    regex:
      '^<(?P<Pri>\\d{1,3})>\\d{1,2} (?P<Timestamp>\\S+) (?P<Host>\\S+) (?P<App>\\S+) (?P<Pid>\\S+) (?P<MsgId>\\S+) (?P<StructuredData>-|(?:\\[(?:[^\\]\\\\]|\\\\.)*\\])+)(?: |$)',
    description: 'IETF syslog (RFC 5424)',
  },
  'apache-access': {
    // Common and combined log formats: `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.0" 200 2326`.
    regex: '^(?P<Client>\\S+) (?P<Ident>\\S+) (?P<User>\\S+) \\[(?P<Timestamp>[^\\]]{1,64})\\] ',
    description: 'Apache httpd access log (common / combined)',
  },
  'nginx-access': {
    // nginx's default `combined` log_format is Apache's combined format.
    regex: '^(?P<Client>\\S+) - (?P<User>\\S+) \\[(?P<Timestamp>[^\\]]{1,64})\\] ',
    description: 'nginx access log (default combined log_format)',
  },
  'apache-error': {
    // 2.2: `[Sun Dec 04 04:47:44 2005] [notice] msg`; 2.4: `[Wed Oct 11 14:32:52.123456 2000] [core:error]
    // [pid 35708:tid 4328636416] [client 72.15.99.187:443] msg` (the client stays in the message).
    regex:
      '^\\[(?P<Time>[^\\]]{1,64})\\] \\[(?:(?P<Module>[^:\\]]{1,64}):)?(?P<Level>[A-Za-z0-9]{1,16})\\](?: \\[pid (?P<Pid>\\d+)(?::tid \\d+)?\\])?\\s*',
    description: 'Apache httpd error log (2.2 and 2.4)',
  },
  'nginx-error': {
    // `2023/04/05 06:07:08 [error] 1234#5678: *99 open() "/x" failed`
    regex:
      '^(?P<Time>\\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2}) \\[(?P<Level>[a-z]+)\\] (?P<Pid>\\d+)#(?P<Tid>\\d+): (?:\\*\\d+ )?',
    description: 'nginx error log',
  },
  log4j: {
    // log4j 2's default file layout and the usual log4j 1 one: `%d [%t] %-5p %c - %m%n`.
    regex:
      '^(?P<Timestamp>\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d{1,9})?) \\[(?P<Thread>[^\\]]{0,256})\\] (?P<Level>[A-Za-z]+)\\s+(?P<Logger>\\S+) - ',
    description: 'log4j / log4j2 PatternLayout "%d [%t] %-5p %c - %m%n"',
  },
  'log4j-ttcc': {
    // log4j 1's TTCCLayout / BasicConfigurator: `%r [%t] %-5p %c %x - %m%n` (milliseconds since start, no date).
    regex:
      '^(?P<Uptime>\\d+) \\[(?P<Thread>[^\\]]{0,256})\\] (?P<Level>[A-Z]+)\\s+(?P<Logger>\\S+) (?:\\S+ )?- ',
    description: 'log4j 1 TTCCLayout (BasicConfigurator)',
  },
  logback: {
    // logback's default: `%d{HH:mm:ss.SSS} [%thread] %-5level %logger{36} - %msg%n`.
    regex:
      '^(?P<Time>\\d{2}:\\d{2}:\\d{2}\\.\\d{3}) \\[(?P<Thread>[^\\]]{0,256})\\] (?P<Level>[A-Z]+)\\s+(?P<Logger>\\S+) - ',
    description: 'logback default pattern',
  },
  'spring-boot': {
    // `2023-04-05T06:07:08.123+02:00  INFO 1234 --- [app] [main] c.e.Demo : Started` (Boot 2 and 3).
    regex:
      '^(?P<Timestamp>\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d{1,9})?(?:Z|[+-]\\d{2}:?\\d{2})?)\\s+(?P<Level>[A-Z]+) (?P<Pid>\\d+) --- (?:\\[(?P<Service>[^\\]]{0,128})\\] )?\\[\\s*(?P<Thread>[^\\]]{0,256})\\] (?P<Logger>\\S+)\\s+: ',
    description: 'Spring Boot default console / file layout',
  },
  'python-basic': {
    // logging.basicConfig(): `%(levelname)s:%(name)s:%(message)s`.
    regex: '^(?P<Level>[A-Z]+):(?P<Logger>[^:\\s]*):',
    description: 'Python logging.basicConfig default',
  },
  python: {
    // The format of the logging cookbook and most services: `%(asctime)s - %(name)s - %(levelname)s - %(message)s`.
    regex:
      '^(?P<Timestamp>\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}(?:,\\d{3})?) - (?P<Logger>\\S+) - (?P<Level>[A-Z]+) - ',
    description: 'Python logging "%(asctime)s - %(name)s - %(levelname)s - %(message)s"',
  },
  'journald-short-iso': {
    // `journalctl -o short-iso`: `2023-04-05T06:07:08+0200 host unit[123]: msg`.
    regex:
      '^(?P<Timestamp>\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?(?:Z|[+-]\\d{2}:?\\d{2})) (?P<Host>\\S+) (?P<Program>[^:\\s]+?): ',
    description: 'journalctl -o short-iso',
  },
} as const satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;
