-- A state_dir database as hearth 0.1.0 (linear schema, user_version 5) wrote it:
-- one API zone with a comment, one DHCP lease. Loaded by test_store_upgrade.py.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE meta (  key TEXT PRIMARY KEY NOT NULL,  value TEXT NOT NULL) WITHOUT ROWID;
INSERT INTO meta VALUES('starts','1');
CREATE TABLE dns_zones (  id INTEGER PRIMARY KEY,  name TEXT NOT NULL UNIQUE,  kind TEXT NOT NULL DEFAULT 'Native',  account TEXT NOT NULL DEFAULT '',  soa_edit_api TEXT NOT NULL DEFAULT 'DEFAULT',  masters TEXT NOT NULL DEFAULT '[]',  source TEXT NOT NULL DEFAULT 'api',  notified_serial INTEGER NOT NULL DEFAULT 0, soa_edit TEXT NOT NULL DEFAULT '', catalog TEXT NOT NULL DEFAULT '', api_rectify INTEGER NOT NULL DEFAULT 0, nsec3param TEXT NOT NULL DEFAULT '', nsec3narrow INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 0);
INSERT INTO dns_zones VALUES(1,'legacy.example.','Native','','DEFAULT','[]','api',0,'','',0,'',0,2);
CREATE TABLE dns_records (  id INTEGER PRIMARY KEY,  zone_id INTEGER NOT NULL REFERENCES dns_zones(id) ON DELETE CASCADE,  name TEXT NOT NULL,  type INTEGER NOT NULL,  ttl INTEGER NOT NULL,  rdata BLOB NOT NULL,  disabled INTEGER NOT NULL DEFAULT 0);
INSERT INTO dns_records VALUES(1,1,'legacy.example.',2,3600,X'036e7331066c6567616379076578616d706c6500',0);
INSERT INTO dns_records VALUES(2,1,'legacy.example.',6,3600,X'01610d6d6973636f6e6669677572656403646e730673657276657207696e76616c6964000a686f73746d6173746572066c6567616379076578616d706c650078c423a600002a3000000e1000093a8000000e10',0);
INSERT INTO dns_records VALUES(3,1,'www.legacy.example.',1,300,X'0a010203',0);
INSERT INTO dns_records VALUES(4,1,'legacy.example.',16,60,X'0b763d73706631202d616c6c',0);
CREATE TABLE dns_comments (  id INTEGER PRIMARY KEY,  zone_id INTEGER NOT NULL REFERENCES dns_zones(id) ON DELETE CASCADE,  name TEXT NOT NULL,  type INTEGER NOT NULL,  content TEXT NOT NULL,  account TEXT NOT NULL DEFAULT '',  modified_at INTEGER NOT NULL DEFAULT 0);
INSERT INTO dns_comments VALUES(1,1,'www.legacy.example.',1,'kept across the upgrade','ops',1700000000);
CREATE TABLE dhcp_leases (  ip INTEGER PRIMARY KEY,  mac BLOB NOT NULL,  client_id BLOB NOT NULL,  hostname TEXT NOT NULL DEFAULT '',  expires INTEGER NOT NULL,  state TEXT NOT NULL);
INSERT INTO dhcp_leases VALUES(3232243812,X'cafec0ffee09',X'01cafec0ffee09','oldbox',4102444800,'bound');
CREATE INDEX dns_records_by_name ON dns_records(zone_id, name, type);
CREATE INDEX dns_comments_by_name ON dns_comments(zone_id, name, type);
COMMIT;
PRAGMA user_version=5;
