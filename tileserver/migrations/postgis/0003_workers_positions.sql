-- Grid workers and their GPS fixes, as in the GeoPackage store's 0005.
-- Positions are partitioned by month of their time (Unix milliseconds,
-- UTC); the server creates each month's partition before its first fix,
-- and the default partition only catches what that misses. A BRIN index
-- on time suits rows that arrive roughly in time order.
CREATE TABLE workers (
  id text PRIMARY KEY,
  county text NOT NULL CHECK (length(county) = 6),
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('leader', 'full_time', 'part_time')),
  grids text NOT NULL DEFAULT '',
  phone text,
  updated_at bigint NOT NULL
);
CREATE INDEX workers_county ON workers(county);

CREATE TABLE positions (
  worker_id text NOT NULL,
  t bigint NOT NULL,
  county text NOT NULL,
  lon double precision NOT NULL,
  lat double precision NOT NULL,
  accuracy real,
  speed real,
  heading real,
  battery real,
  received_at bigint NOT NULL,
  PRIMARY KEY (worker_id, t)
) PARTITION BY RANGE (t);
CREATE TABLE positions_default PARTITION OF positions DEFAULT;
CREATE INDEX positions_t_brin ON positions USING brin (t);
CREATE INDEX positions_county_t ON positions (county, t);

CREATE TABLE worker_latest (
  worker_id text PRIMARY KEY,
  county text NOT NULL,
  t bigint NOT NULL,
  lon double precision NOT NULL,
  lat double precision NOT NULL,
  accuracy real,
  speed real,
  heading real,
  battery real
);
