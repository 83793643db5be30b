import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  classifyCreate,
  DumpScanner,
  normalizeDumpLine,
  type DumpStats,
} from '../../../src/sources/index.ts';

/** A real `mariadb-dump` 10.11 output: 2 tables, a view, a trigger, a procedure, a function, an event. */
const MARIADB = readFileSync(join(import.meta.dirname, 'fixtures', 'mariadb-10.11-shop.sql'));

/**
 * MySQL-8-style and older shapes: a view placeholder written as a versioned CREATE TABLE, a view without
 * DEFINER line, DEFINER with quotes and spaces, an aggregate function, CREATE OR REPLACE, long INSERT
 * lines, a routine whose body has lines that look like statements.
 */
const OLDER = Buffer.from(
  [
    '-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)',
    '/*!40101 SET NAMES utf8mb4 */;',
    '',
    'CREATE DATABASE /*!32312 IF NOT EXISTS*/ `blog` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;',
    'USE `blog`;',
    '--',
    '-- Temporary view structure for view `recent`',
    '--',
    'DROP TABLE IF EXISTS `recent`;',
    '/*!50001 DROP VIEW IF EXISTS `recent`*/;',
    'SET @saved_cs_client     = @@character_set_client;',
    '/*!50001 CREATE TABLE `recent` (',
    '  `id` tinyint NOT NULL',
    ') ENGINE=MyISAM */;',
    'SET character_set_client = @saved_cs_client;',
    '',
    'DROP TABLE IF EXISTS `wp_posts`;',
    'CREATE TABLE `wp_posts` (',
    '  `ID` bigint unsigned NOT NULL AUTO_INCREMENT,',
    '  `post_content` longtext NOT NULL,',
    '  PRIMARY KEY (`ID`)',
    ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;',
    'LOCK TABLES `wp_posts` WRITE;',
    `INSERT INTO \`wp_posts\` VALUES (1,'${'CREATE TABLE x; '.repeat(300)}'),(2,'a\\nCREATE VIEW v AS SELECT 1;');`,
    'UNLOCK TABLES;',
    'CREATE TABLE `wp_options` (`option_id` int) ENGINE=InnoDB;',
    'DELIMITER ;;',
    'CREATE DEFINER=`wp admin`@`%` PROCEDURE `rebuild`()',
    'BEGIN',
    'CREATE TABLE tmp_x (id int);',
    'CREATE TEMPORARY TABLE tmp_y (id int);',
    'DROP TABLE tmp_x;',
    'END ;;',
    "CREATE DEFINER='root'@'localhost' AGGREGATE FUNCTION `agg`(x INT) RETURNS int",
    'BEGIN RETURN 1; END ;;',
    '/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `wp_posts_bi` BEFORE INSERT ON `wp_posts` FOR EACH ROW SET NEW.post_content = TRIM(NEW.post_content) */;;',
    '/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `wp_posts_bu` BEFORE UPDATE ON `wp_posts` FOR EACH ROW',
    'BEGIN',
    '  CREATE TABLE never_counted (id int);',
    'END */;;',
    'DELIMITER ;',
    '/*!50001 DROP VIEW IF EXISTS `recent`*/;',
    '/*!50001 CREATE ALGORITHM=UNDEFINED */',
    '/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */',
    '/*!50001 VIEW `recent` AS select `wp_posts`.`ID` AS `id` from `wp_posts` */;',
    '/*!50001 CREATE OR REPLACE ALGORITHM=MERGE VIEW `plain` AS select 1 AS `one` */;',
    '',
    '-- Dump completed on 2026-01-02  3:04:05',
    '',
  ].join('\n'),
);

const EXPECTED_MARIADB: DumpStats = {
  tables: 2,
  views: 1,
  routines: 2,
  triggers: 1,
  events: 1,
  completed: true,
  rows: { items: 2, log: 0 },
};
const EXPECTED_OLDER: DumpStats = {
  tables: 2,
  views: 2,
  routines: 2,
  triggers: 2,
  events: 0,
  completed: true,
  rows: { wp_posts: 2, wp_options: 0 },
};

function scan(...chunks: Buffer[]): DumpStats {
  const scanner = new DumpScanner();
  for (const chunk of chunks) scanner.push(chunk);
  return scanner.finish();
}

describe('DumpScanner', () => {
  it('counts the objects of a real mariadb-dump output and sees its trailer', () => {
    expect(scan(MARIADB)).toEqual(EXPECTED_MARIADB);
  });

  it('counts older/MySQL shapes: placeholders once, routine bodies and data never', () => {
    expect(scan(OLDER)).toEqual(EXPECTED_OLDER);
  });

  for (const [name, input, expected] of [
    ['mariadb fixture', MARIADB, EXPECTED_MARIADB],
    ['older fixture', OLDER, EXPECTED_OLDER],
  ] as const) {
    it(`gives the same result split in two at every offset (${name})`, () => {
      for (let at = 0; at <= input.length; at++) {
        const got = scan(input.subarray(0, at), input.subarray(at));
        if (JSON.stringify(got) !== JSON.stringify(expected)) {
          throw new Error(`split at ${at}: ${JSON.stringify(got)}`);
        }
      }
    }, 30_000); // thousands of full scans: seconds on a loaded machine

    it(`gives the same result fed byte by byte and in random pieces (${name})`, () => {
      expect(scan(...Array.from(input, (_b, i) => input.subarray(i, i + 1)))).toEqual(expected);
      let seed = 7;
      for (let round = 0; round < 50; round++) {
        const pieces: Buffer[] = [];
        for (let at = 0; at < input.length;) {
          seed = (seed * 1103515245 + 12345) % 2 ** 31;
          const len = 1 + (seed % 700);
          pieces.push(input.subarray(at, at + len));
          at += len;
        }
        expect(scan(...pieces)).toEqual(expected);
      }
    });
  }

  it('reports a truncated dump as not completed, wherever it stops', () => {
    const end = MARIADB.lastIndexOf('-- Dump completed');
    for (const cut of [0, 1, 100, Math.floor(MARIADB.length / 2), end - 1, end, end + 10]) {
      expect(scan(MARIADB.subarray(0, cut)).completed).toBe(false);
    }
  });

  it('wants the trailer on the last line', () => {
    expect(scan(Buffer.from('CREATE TABLE `a` (x int);\n-- Dump completed\n')).completed).toBe(true);
    expect(scan(Buffer.from('-- Dump completed on 2026-01-01 00:00:00')).completed).toBe(true);
    expect(scan(Buffer.from('-- Dump completed\n\n\n')).completed).toBe(true);
    expect(scan(Buffer.from('-- Dump completed\nINSERT INTO t VALUES (1);\n')).completed).toBe(false);
    expect(scan(Buffer.from('INSERT INTO t VALUES ("-- Dump completed");\n')).completed).toBe(false);
    expect(scan().completed).toBe(false);
  });

  it('copes with lines far longer than a chunk', () => {
    const row = `(1,'${'x'.repeat(100_000)}')`;
    const input = Buffer.from(
      `CREATE TABLE \`big\` (a text);\nINSERT INTO \`big\` VALUES ${row},${row};\nCREATE TABLE \`after\` (a int);\n-- Dump completed\n`,
    );
    const chunks: Buffer[] = [];
    for (let at = 0; at < input.length; at += 4096) chunks.push(input.subarray(at, at + 4096));
    expect(scan(...chunks)).toEqual({
      tables: 2,
      views: 0,
      routines: 0,
      triggers: 0,
      events: 0,
      completed: true,
      rows: { big: 2, after: 0 },
    });
  });

  it.each([
    [
      'one tuple per line (mariadb-dump 10.11), quotes, escapes, parentheses and semicolons in strings',
      "CREATE TABLE `t` (a int);\nINSERT INTO `t` VALUES\n(1,'a;b(c)'),\n(2,'it\\'s ); (x'),\n(3,\"q\\\"(\");\n",
      { t: 3 },
    ],
    [
      'several INSERTs of one table add up; a table without INSERT has 0 rows',
      'CREATE TABLE `a` (x int);\nCREATE TABLE `b` (x int);\nINSERT INTO `a` VALUES (1),(2);\nINSERT INTO `a` VALUES (3);\n',
      { a: 3, b: 0 },
    ],
    [
      'INSERT IGNORE, REPLACE, a column list, a quoted name with a backtick and UTF-8',
      'CREATE TABLE `we``ird` (x int);\nINSERT IGNORE INTO `we``ird` (`x`, `y)`) VALUES (1),(2);\nREPLACE INTO `grüße` VALUES (1);\n',
      { 'we`ird': 2, grüße: 1 },
    ],
    [
      'an INSERT inside a routine body is not a statement start',
      'CREATE TABLE `t` (a int);\nDELIMITER ;;\nCREATE PROCEDURE `p`()\nBEGIN\nINSERT INTO `t` VALUES (1),(2);\nEND ;;\nDELIMITER ;\n',
      { t: 0 },
    ],
    [
      'an INSERT whose head is longer than the head limit: no row counts at all',
      `CREATE TABLE \`t\` (a int);\nINSERT INTO \`t\` (${Array.from({ length: 80 }, (_, i) => `\`column_${i}\``).join(', ')}) VALUES (1);\n`,
      undefined,
    ],
  ])('counts rows: %s', (_title, text, rows) => {
    const input = Buffer.from(`${text}-- Dump completed\n`);
    for (let at = 0; at <= input.length; at++) {
      const got = scan(input.subarray(0, at), input.subarray(at)).rows;
      if (JSON.stringify(got) !== JSON.stringify(rows))
        throw new Error(`split at ${at}: ${JSON.stringify(got)}`);
    }
    expect(scan(...Array.from(input, (_b, i) => input.subarray(i, i + 1))).rows).toEqual(rows);
  });
});

describe('classifyCreate / normalizeDumpLine', () => {
  it('strips version comments', () => {
    expect(normalizeDumpLine('/*!50003 CREATE*/ /*!50017 DEFINER=`a`@`b`*/ /*!50003 TRIGGER t */;;')).toBe(
      'CREATE DEFINER=`a`@`b` TRIGGER t ;;',
    );
    expect(normalizeDumpLine('/*M!100616 SET NOTE_VERBOSITY=0 */;')).toBe('SET NOTE_VERBOSITY=0 ;');
  });

  it.each([
    ['CREATE TABLE `t` (', { kind: 'table', name: '`t`' }],
    ['CREATE VIEW `v` AS SELECT', { kind: 'view', name: '`v`' }],
    [
      'CREATE OR REPLACE ALGORITHM=MERGE DEFINER=`a b`@`%` SQL SECURITY INVOKER VIEW `db`.`v` AS',
      { kind: 'view', name: '`db`.`v`' },
    ],
    ["CREATE DEFINER='x'@'localhost' PROCEDURE `p`()", { kind: 'procedure', name: '`p`' }],
    ['CREATE DEFINER=CURRENT_USER FUNCTION f(x INT)', { kind: 'function', name: 'f' }],
    ['CREATE DEFINER=`r`@`h` AGGREGATE FUNCTION `g`(x INT)', { kind: 'function', name: '`g`' }],
    ['CREATE DEFINER=`r`@`h` TRIGGER trg BEFORE INSERT', { kind: 'trigger', name: 'trg' }],
    ['CREATE DEFINER=`r`@`h` EVENT IF NOT EXISTS `e` ON SCHEDULE', { kind: 'event', name: '`e`' }],
    ['CREATE DATABASE `shop`', { kind: 'other' }],
    ['CREATE SEQUENCE `s`', { kind: 'other' }],
    ['CREATE TABLESPACE ts', { kind: 'other' }],
    ['CREATE ALGORITHM=UNDEFINED', 'incomplete'],
    ['CREATE ALGORITHM=UNDEFINED DEFINER=`r`@`h` SQL SECURITY DEFINER', 'incomplete'],
    ['CREATE', 'incomplete'],
    ['INSERT INTO t', { kind: 'other' }],
  ] as const)('%s', (head, expected) => {
    expect(classifyCreate(head)).toEqual(expected);
  });
});
