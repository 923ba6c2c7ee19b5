"""The SQLite schema as ordered migrations; PRAGMA user_version records how far a file is."""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: lists, versions, entries, the CMS code set and the search index.
    """
    CREATE TABLE lists (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        payer TEXT NOT NULL,
        line_of_business TEXT NOT NULL,
        program TEXT NOT NULL,
        platform TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE versions (
        id INTEGER PRIMARY KEY,
        list_id TEXT NOT NULL REFERENCES lists(id),
        version TEXT NOT NULL,
        title TEXT NOT NULL,
        source_name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        effective TEXT,
        rows INTEGER NOT NULL,
        pages INTEGER NOT NULL,
        footer TEXT NOT NULL DEFAULT '',
        UNIQUE (list_id, version),
        UNIQUE (list_id, sha256)
    );
    CREATE TABLE entries (
        id INTEGER PRIMARY KEY,
        version_id INTEGER NOT NULL REFERENCES versions(id),
        table_no INTEGER NOT NULL,
        table_title TEXT NOT NULL,
        line INTEGER NOT NULL,
        page INTEGER NOT NULL,
        code TEXT NOT NULL,
        columns TEXT NOT NULL,
        raw TEXT NOT NULL,
        product TEXT NOT NULL,
        category_raw TEXT NOT NULL,
        category TEXT,
        description_raw TEXT NOT NULL,
        description TEXT NOT NULL,
        status_raw TEXT NOT NULL,
        status TEXT NOT NULL,
        platform TEXT NOT NULL,
        notation TEXT NOT NULL
    );
    CREATE INDEX entries_code ON entries(code);
    CREATE INDEX entries_version ON entries(version_id);
    CREATE TABLE hcpcs (
        code TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('code', 'modifier')),
        long_description TEXT NOT NULL,
        short_description TEXT NOT NULL,
        added TEXT,
        effective TEXT,
        terminated TEXT,
        action TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE hcpcs_files (
        sha256 TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        codes INTEGER NOT NULL,
        modifiers INTEGER NOT NULL
    );
    CREATE VIRTUAL TABLE entries_fts USING fts5(
        code, description, category, notes, tokenize = 'porter unicode61'
    );
    CREATE VIRTUAL TABLE entries_vocab USING fts5vocab(entries_fts, 'row');
    """,
    # 2: search over the whole CMS HCPCS set, not only the codes a list mentions. Tokenized
    # without stemming, so hcpcs_vocab lists the real words typo correction may suggest.
    """
    CREATE VIRTUAL TABLE hcpcs_fts USING fts5(
        code, long_description, short_description, tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE VIRTUAL TABLE hcpcs_vocab USING fts5vocab(hcpcs_fts, 'row');
    INSERT INTO hcpcs_fts (code, long_description, short_description)
        SELECT code, long_description, short_description FROM hcpcs WHERE kind = 'code';
    """,
    # 3: lists read through profiles: what an unlisted code means and where requests go (per
    # version), and per row its qualifier, dates, modifier condition, contact, the notes the
    # profile adds and where it was read (file, URL, the code or range as published).
    """
    ALTER TABLE versions ADD COLUMN policy TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE entries ADD COLUMN qualifier TEXT;
    ALTER TABLE entries ADD COLUMN effective TEXT;
    ALTER TABLE entries ADD COLUMN end_date TEXT;
    ALTER TABLE entries ADD COLUMN announced TEXT;
    ALTER TABLE entries ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE entries ADD COLUMN modifiers TEXT NOT NULL DEFAULT '';
    ALTER TABLE entries ADD COLUMN contact TEXT;
    ALTER TABLE entries ADD COLUMN notes TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE entries ADD COLUMN published TEXT NOT NULL DEFAULT '';
    ALTER TABLE entries ADD COLUMN source_file TEXT NOT NULL DEFAULT '';
    ALTER TABLE entries ADD COLUMN source_url TEXT;
    ALTER TABLE entries ADD COLUMN categorized INTEGER NOT NULL DEFAULT 1
    """,
    # 4: rows that apply only to members of some states (postal codes, comma-separated; ''
    # for every state), e.g. Medicare's Phase 1 osteogenesis stimulators (CA, FL, OH, PA).
    """
    ALTER TABLE entries ADD COLUMN states TEXT NOT NULL DEFAULT ''
    """,
    # 5: a table's header once per version and table, not with each of its rows (it was a fifth
    # of what a big import wrote). A row whose header is its table's stores '' in
    # entries.columns; a row with another header (cells beyond the header's) and every row
    # stored before keep their own.
    """
    CREATE TABLE headers (
        version_id INTEGER NOT NULL REFERENCES versions(id),
        table_no INTEGER NOT NULL,
        columns TEXT NOT NULL,
        PRIMARY KEY (version_id, table_no)
    ) WITHOUT ROWID
    """,
    # 6: a version's pages, which imports recorded as 0 (the count was taken before the rows
    # were read): each of its files' highest page a row is on, summed (0 without pages).
    """
    UPDATE versions SET pages = (
        SELECT COALESCE(SUM(top), 0) FROM (
            SELECT MAX(page) AS top FROM entries WHERE version_id = versions.id
            GROUP BY source_file
        )
    )
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
