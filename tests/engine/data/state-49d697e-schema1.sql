BEGIN TRANSACTION;
CREATE TABLE conflicts (
	mailbox VARCHAR(320) NOT NULL, 
	nav_key VARCHAR(250) NOT NULL, 
	entity VARCHAR(20) NOT NULL, 
	outlook_id VARCHAR(500) NOT NULL, 
	fields TEXT NOT NULL, 
	resolution VARCHAR(10), 
	detected_at VARCHAR(40) NOT NULL, 
	PRIMARY KEY (mailbox, nav_key)
);
INSERT INTO "conflicts" VALUES('eh@contoso.com','5050:CT100006','CONT_COMP','AAMkADcontact1','[{"base": "G", "field": "displayName", "nav": "Gibson", "outlook": "Gibsons"}]',NULL,'2026-12-07T04:35:30.878+00:00');
CREATE TABLE cursors (
	mailbox VARCHAR(320) NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY (mailbox, name)
);
INSERT INTO "cursors" VALUES('eh@contoso.com','delta:contact','https://graph.microsoft.com/v1.0/delta?token=abc');
INSERT INTO "cursors" VALUES('eh@contoso.com','nav:5050:contact','42');
INSERT INTO "cursors" VALUES('eh@contoso.com','map:CONT_COMP','0123456789abcdef');
INSERT INTO "cursors" VALUES('eh@contoso.com','runtime:containers','{"names": ["Dynamics NAV", "Dynamics NAV", ""], "contact_folder_id": "f1", "todo_list_id": "l1", "calendar_id": null}');
CREATE TABLE item_errors (
	id INTEGER NOT NULL, 
	run_id INTEGER NOT NULL, 
	entity VARCHAR(20) NOT NULL, 
	nav_key VARCHAR(250), 
	outlook_id VARCHAR(500), 
	error VARCHAR(100) NOT NULL, 
	message TEXT NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "item_errors" VALUES(1,1,'CONT_PERS','5050:CT200118',NULL,'NavValidationError','Job Title: too long');
CREATE TABLE journal (
	id INTEGER NOT NULL, 
	mailbox VARCHAR(320) NOT NULL, 
	entity VARCHAR(20) NOT NULL, 
	target VARCHAR(10) NOT NULL, 
	nav_key VARCHAR(250), 
	outlook_id VARCHAR(500), 
	payload TEXT NOT NULL, 
	created_at VARCHAR(40) NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE links (
	mailbox VARCHAR(320) NOT NULL, 
	nav_key VARCHAR(250) NOT NULL, 
	entity VARCHAR(20) NOT NULL, 
	outlook_id VARCHAR(500) NOT NULL, 
	base TEXT NOT NULL, 
	outlook_version VARCHAR(200), 
	nav_etag VARCHAR(200), 
	dirty BOOLEAN NOT NULL, 
	stamped BOOLEAN NOT NULL, 
	updated_at VARCHAR(40) NOT NULL, 
	PRIMARY KEY (mailbox, nav_key)
);
INSERT INTO "links" VALUES('eh@contoso.com','5050:CT100006','CONT_COMP','AAMkADcontact1','{"displayName":"Gibson","user:Territory Code":"LND"}','ck1','W/"1"',0,1,'2026-12-07T04:35:30.875+00:00');
INSERT INTO "links" VALUES('eh@contoso.com','5080:TD000001','MEETING','AAMkADevent1','{"subject":"Discuss"}','ck2',NULL,1,1,'2026-12-07T04:35:30.875+00:00');
CREATE TABLE locks (
	mailbox VARCHAR(320) NOT NULL, 
	holder VARCHAR(300) NOT NULL, 
	acquired_at VARCHAR(40) NOT NULL, 
	PRIMARY KEY (mailbox)
);
CREATE TABLE retries (
	mailbox VARCHAR(320) NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	ref VARCHAR(600) NOT NULL, 
	added_at VARCHAR(40) NOT NULL, 
	PRIMARY KEY (mailbox, kind, ref)
);
INSERT INTO "retries" VALUES('eh@contoso.com','task','nav:5080:TD000009','2026-12-07T04:35:30.877+00:00');
CREATE TABLE runs (
	id INTEGER NOT NULL, 
	mailbox VARCHAR(320) NOT NULL, 
	started_at VARCHAR(40) NOT NULL, 
	finished_at VARCHAR(40), 
	status VARCHAR(20) NOT NULL, 
	dry_run BOOLEAN NOT NULL, 
	counts TEXT NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "runs" VALUES(1,'eh@contoso.com','2026-12-07T04:35:30.879+00:00','2026-12-07T04:35:30.880+00:00','attention',0,'{"errors": 1, "nav_create": 1}');
CREATE TABLE schema_migrations (
	version INTEGER NOT NULL, 
	applied_at VARCHAR(40) NOT NULL, 
	PRIMARY KEY (version)
);
INSERT INTO "schema_migrations" VALUES(1,'2026-12-07T04:35:30.874+00:00');
CREATE INDEX ix_links_stamped ON links (mailbox, stamped);
CREATE INDEX ix_links_dirty ON links (mailbox, dirty);
CREATE INDEX ix_links_outlook ON links (mailbox, outlook_id);
CREATE INDEX ix_links_entity ON links (mailbox, entity);
CREATE INDEX ix_journal_mailbox ON journal (mailbox);
CREATE INDEX ix_runs_mailbox ON runs (mailbox);
CREATE INDEX ix_item_errors_run_id ON item_errors (run_id);
COMMIT;
