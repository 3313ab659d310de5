import rule from '../../../src/lint/rules/changing-column-type.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    // The same non-integer modifiers (PostGIS): nothing changes.
    'ALTER TABLE places ADD COLUMN geom geometry(Point, 4326);\nALTER TABLE places ALTER COLUMN geom TYPE geometry(Point, 4326);',
    // A table created earlier in the run has no rows to rewrite.
    'CREATE TABLE users (id int, name varchar(50));\nALTER TABLE users ALTER COLUMN id TYPE bigint;',
    'CREATE TABLE "App"."Users" ("Id" int);\nALTER TABLE IF EXISTS "App"."Users" ALTER COLUMN "Id" SET DATA TYPE bigint;',
    // Widenings with a known old type need no rewrite.
    'ALTER TABLE users ADD COLUMN name varchar(50);\nALTER TABLE users ALTER COLUMN name TYPE varchar(100);',
    'ALTER TABLE users ADD COLUMN name varchar(50);\nALTER TABLE users ALTER COLUMN name TYPE text;',
    'ALTER TABLE users ADD COLUMN name varchar(50);\nALTER TABLE users ALTER COLUMN name TYPE varchar;',
    'ALTER TABLE users ADD COLUMN name text;\nALTER TABLE users ALTER COLUMN name TYPE character varying;',
    'ALTER TABLE items ADD COLUMN price numeric(10,2);\nALTER TABLE items ALTER COLUMN price TYPE numeric(14,2);',
    'ALTER TABLE items ADD COLUMN price numeric(10,2);\nALTER TABLE items ALTER COLUMN price TYPE numeric;',
    'ALTER TABLE items ADD COLUMN flags bit varying(8);\nALTER TABLE items ALTER COLUMN flags TYPE bit varying(16);',
    'ALTER TABLE hosts ADD COLUMN addr cidr;\nALTER TABLE hosts ALTER COLUMN addr TYPE inet;',
    'ALTER TABLE events ADD COLUMN at timestamp(0);\nALTER TABLE events ALTER COLUMN at TYPE timestamp(6);',
    'ALTER TABLE users ADD COLUMN name varchar(50);\nALTER TABLE users ALTER COLUMN name TYPE varchar(80) USING name;',
    // USING col::<the new type> (Django) is planned like no USING (relfilenode unchanged on PostgreSQL 15).
    'ALTER TABLE users ADD COLUMN name varchar(100);\nALTER TABLE users ALTER COLUMN name TYPE varchar(200) USING name::varchar(200);',
    'ALTER TABLE users ADD COLUMN name varchar(100);\nALTER TABLE users ALTER COLUMN name TYPE text USING "name"::text;',
    'ALTER TABLE items ADD COLUMN g numeric(10,2);\nALTER TABLE items ALTER COLUMN g TYPE numeric(12,2) USING items.g::numeric(12,2);',
    // Precision 6 is the most a timestamp or time has: any value fits (PostgreSQL's TemporalSimplify).
    'ALTER TABLE events ADD COLUMN at timestamp;\nALTER TABLE events ALTER COLUMN at TYPE timestamp(6);',
    'ALTER TABLE events ADD COLUMN at time;\nALTER TABLE events ALTER COLUMN at TYPE time(6);',
    'ALTER TABLE events ADD COLUMN at timestamp(3);\nALTER TABLE events ALTER COLUMN at TYPE timestamp;',
    'ALTER TABLE events ADD COLUMN at timetz(2);\nALTER TABLE events ALTER COLUMN at TYPE timetz(4);',
    // PostgreSQL 12+: timestamp to timestamptz with the session in UTC is catalog-only.
    {
      code: "ALTER TABLE events ADD COLUMN at timestamp;\nSET timezone = 'UTC';\nALTER TABLE events ALTER COLUMN at TYPE timestamptz;",
      pgVersion: 12,
    },
    'ALTER TABLE users ALTER COLUMN name SET DEFAULT \'x\';',
  ],
  invalid: [
    {
      name: 'no COLLATE on the new type resets a declared collation to the default one',
      code: 'ALTER TABLE users ADD COLUMN code varchar(10) COLLATE "C";\nALTER TABLE users ALTER COLUMN code TYPE text;',
      errors: [{ line: 2, message: /^Changing the collation of "users"\."code" rebuilds every index/ }],
    },
    {
      name: 'non-integer type modifiers that change (PostGIS) rewrite',
      code: 'ALTER TABLE places ADD COLUMN geom geometry(Point, 4326);\nALTER TABLE places ALTER COLUMN geom TYPE geometry(Polygon, 4326);',
      errors: [{ line: 2, message: /^Changing the type of "places"\."geom" from geometry\(point,4326\) to geometry\(polygon,4326\) rewrites the whole table/ }],
    },
    {
      code: 'ALTER TABLE users ALTER COLUMN id TYPE bigint;',
      errors: [
        {
          line: 1,
          column: 32,
          endColumn: 34,
          severity: 'error',
          message: 'Changing the type of "users"."id" to bigint rewrites the whole table and rebuilds its indexes under an ACCESS EXCLUSIVE lock',
          help: 'Expand and contract',
        },
      ],
    },
    {
      code: 'ALTER TABLE users ADD COLUMN score int;\nALTER TABLE "public"."users" ALTER COLUMN "score" SET DATA TYPE bigint;',
      errors: [{ line: 2, column: 43, message: 'from integer to bigint', severity: 'error' }],
    },
    {
      // Narrowing, scale changes and USING conversions rewrite.
      code: [
        'ALTER TABLE users ADD COLUMN name varchar(100), ADD COLUMN price numeric(10,2);',
        'ALTER TABLE users ALTER COLUMN name TYPE varchar(50),',
        '  ALTER COLUMN price TYPE numeric(12,3);',
        'ALTER TABLE users ALTER COLUMN code TYPE integer USING trim(code)::integer;',
        'ALTER TABLE users ALTER COLUMN name TYPE varchar(20) USING name::varchar(20);',
        'ALTER TABLE users ALTER COLUMN ref TYPE integer USING ref::integer;',
        'ALTER TABLE users ADD COLUMN at timestamp(6);',
        'ALTER TABLE users ALTER COLUMN at TYPE timestamp(3);',
      ].join('\n'),
      errors: [
        { line: 2, column: 32, message: 'from varchar(100) to varchar(50)' },
        { line: 3, column: 16, message: 'from numeric(10,2) to numeric(12,3)' },
        { line: 4, column: 32, message: 'the USING expression recomputes every row' },
        { line: 5, column: 32, message: /from varchar\(50\) to varchar\(20\) rewrites the whole table and rebuilds its indexes under an ACCESS EXCLUSIVE lock:/ },
        { line: 6, column: 32, message: /^Changing the type of "users"\."ref" to integer rewrites/ },
        { line: 8, column: 32, message: 'from timestamp(6) to timestamp(3)' },
      ],
    },
    {
      // The old type is unknown but the target could be a widening: a warning that says so.
      code: 'ALTER TABLE "User" ALTER COLUMN "name" SET DATA TYPE VARCHAR(255);',
      errors: [
        {
          line: 1,
          column: 33,
          severity: 'warning',
          message: 'unless the column is currently a varchar with a smaller or equal length limit, or text',
          help: 'prodguard-ignore changing-column-type',
        },
      ],
    },
    {
      code: 'ALTER TABLE events ADD COLUMN at timestamp;\nALTER TABLE events ALTER COLUMN at TYPE timestamptz;',
      errors: [{ line: 2, column: 33, severity: 'warning', message: 'unless the session TimeZone is UTC' }],
    },
    {
      // Before PostgreSQL 12 the timestamp conversion always rewrites.
      code: "ALTER TABLE events ADD COLUMN at timestamp;\nSET timezone = 'UTC';\nALTER TABLE events ALTER COLUMN at TYPE timestamptz;",
      pgVersion: 11,
      errors: [{ line: 3, column: 33, severity: 'error', message: 'from timestamp to timestamptz rewrites' }],
    },
    {
      code: 'ALTER TABLE users ADD COLUMN name varchar(50);\nALTER TABLE users ALTER COLUMN name TYPE varchar(50) COLLATE "C";',
      errors: [{ line: 2, column: 32, message: 'Changing the collation of "users"."name" rebuilds every index' }],
    },
  ],
});
