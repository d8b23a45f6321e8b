"""The store: plan elements and user layers with versions, users and an audit trail.

One interface, :class:`Store`, over two back-ends that run the same code through
SQLAlchemy 2 Core:

- **embedded** (default): one SQLite file, ``workspace/planmap.sqlite``; zero set-up;
- **PostgreSQL + PostGIS**: chosen by a URL (``PLANMAP_DATABASE_URL`` in the environment
  or ``database_url`` in Streamlit secrets, read by the UI), driver psycopg 3.

What differs between them is small and lives here: how a write transaction starts
(SQLite ``BEGIN IMMEDIATE``; PostgreSQL's unique key on ``(object_id, version)``), how
100,000 features are written (``executemany``; ``COPY``) and where the spatial filter runs
(bounding-box columns then shapely; ``ST_Intersects`` on a GiST index).

Every change — save, edit, rename, share, delete, restore — adds a version and an audit row
in one transaction: a process killed at any moment leaves either both or neither. Saving
on top of a version that is no longer the latest raises :class:`ConflictError` naming who
changed it and when, after keeping the caller's work as a private copy.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import struct
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from sqlalchemy import (
    URL,
    Engine,
    and_,
    create_engine,
    event,
    func,
    insert,
    make_url,
    select,
    tuple_,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.sql import ColumnElement

from geo.declared.i18n import Message
from geo.errors import GeoError
from geo.io import json_records
from geo.measure.area import ellipsoidal_area_m2
from geo.store import schema as s
from geo.store.users import ROLES, Role, User, check_password, check_username, hash_password

if TYPE_CHECKING:  # the upload readers are imported when a layer's reading is asked for
    from geo.upload.load import UploadSource

URL_VARIABLE: Final = "PLANMAP_DATABASE_URL"
EMBEDDED_FILE: Final = "planmap.sqlite"
SEED_AUTHOR: Final = "seed"
"""The author of versions imported from ``data/zones.geojson``."""
Action = Literal["create", "edit", "rename", "share", "delete", "restore", "seed"]
Kind = Literal["element", "layer"]


class StoreError(GeoError):
    """A store operation cannot be done as asked (the message says why and what to do)."""


class StoreUnavailableError(StoreError):
    """The database cannot be reached: nothing can be shown as current."""


class NotFoundError(StoreError):
    """No such object, or one the user may not see (another user's private layer)."""


class PermissionDeniedError(StoreError):
    """The user's role does not allow the change."""


class ConflictError(StoreError):
    """The object changed since the caller read it (optimistic locking)."""

    def __init__(self, message: str, *, latest: Version, kept_as: str | None) -> None:
        super().__init__(message)
        self.latest = latest
        self.kept_as = kept_as


@dataclass(frozen=True)
class Version:
    """One version of a plan element or user layer."""

    object_id: str
    kind: Kind
    owner: str | None
    version: int
    name: str
    status: Literal["active", "deleted"]
    shared: bool
    author: str
    time_utc: str
    action: str
    reason: str
    source: str
    accuracy: str
    features_of: int
    feature_count: int
    area_m2: float
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def upload(self) -> UploadSource | None:
        """How an uploaded layer's file was read (None for plan elements)."""
        from geo.upload.load import UploadSource

        raw = self.meta.get("upload")
        return UploadSource(**raw) if isinstance(raw, dict) else None


@dataclass(frozen=True)
class AuditEntry:
    """One row of the append-only audit trail."""

    audit_id: int
    time_utc: str
    username: str
    action: str
    object_id: str
    kind: str
    name: str
    version_before: int | None
    version_after: int | None
    area_before_m2: float | None
    area_after_m2: float | None
    reason: str


class PlanRevision(NamedTuple):
    """Which state of the plan a figure was computed from: the highest audit id among the
    plan's elements, how many element changes there are (a change committed late with a
    lower id still moves it) and the time of the newest one (ISO UTC; ``""``: no plan).
    A tuple, so it can key a cache."""

    number: int
    changes: int
    time_utc: str

    def label(self) -> str:
        """``store revision 42 (2026-12-01 14:20:05 UTC)``, for captions and files."""
        return f"store revision {self.number} ({_short_time(self.time_utc)})"


@dataclass(frozen=True)
class SeedReport:
    """What importing ``data/zones.geojson`` did: element ids created, updated from a
    changed seed, and kept because someone edited them since."""

    created: tuple[str, ...]
    updated: tuple[str, ...]
    kept: tuple[str, ...]


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def store_url(*, url: str | None = None, workspace_dir: str | os.PathLike[str]) -> URL:
    """The store's URL: ``url`` if given, else ``PLANMAP_DATABASE_URL``, else the embedded
    SQLite file in ``workspace_dir``. ``postgresql://`` URLs use psycopg 3."""
    chosen = url or os.environ.get(URL_VARIABLE)
    if not chosen:
        return URL.create("sqlite", database=str(Path(workspace_dir) / EMBEDDED_FILE))
    try:
        parsed = make_url(chosen)
    except Exception as exc:  # sqlalchemy raises ArgumentError; say it without the URL
        raise StoreError(
            f"{URL_VARIABLE} is not a database URL ({type(exc).__name__}); give "
            "postgresql://USER:PASSWORD@HOST:PORT/DATABASE."
        ) from None
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        return parsed
    raise StoreError(
        f"{URL_VARIABLE} names a {parsed.get_backend_name()!r} database; the store runs on "
        "PostgreSQL (postgresql://…) or SQLite (sqlite:///FILE)."
    )


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _properties(frame: gpd.GeoDataFrame) -> list[str]:
    """One JSON object per feature: every attribute, NaN as null, full float precision."""
    return json_records(pd.DataFrame(frame.drop(columns=frame.geometry.name)))


def _areas_m2(frame: gpd.GeoDataFrame) -> npt.NDArray[np.float64]:
    """Ellipsoidal area of each feature (0 for a missing or empty geometry), m²."""
    return ellipsoidal_area_m2(frame, method="equal_area").to_numpy(dtype=np.float64)


@dataclass(frozen=True)
class _Features:
    """A frame made ready for the ``features`` table: shapely geometries, one JSON object
    of attributes per feature and each feature's area."""

    geoms: npt.NDArray[np.object_]
    properties: list[str]
    areas_m2: npt.NDArray[np.float64]

    @classmethod
    def of(cls, frame: gpd.GeoDataFrame) -> _Features:
        geoms = np.asarray(frame.geometry.array, dtype=object)
        return cls(geoms, _properties(frame), _areas_m2(frame))

    def __len__(self) -> int:
        return len(self.properties)

    def row(self, i: int) -> _Features:
        return _Features(
            self.geoms[i : i + 1], self.properties[i : i + 1], self.areas_m2[i : i + 1]
        )


class Store:
    """Plan elements and user layers, versioned, with users and an audit trail.

    ``Store(url)`` with a SQLAlchemy URL (see :func:`store_url`); :func:`open_store`
    chooses it. Creates its tables when they are missing and it may (the embedded file,
    or a PostgreSQL role that owns the schema); a restricted app role finds them made.
    """

    def __init__(self, url: URL | str, *, create: bool = True) -> None:
        self.url = make_url(url) if isinstance(url, str) else url
        if self.url.get_backend_name() == "postgresql":  # psycopg 3, whatever the URL says
            self.url = self.url.set(drivername="postgresql+psycopg")
        self.backend: Literal["sqlite", "postgis"] = (
            "sqlite" if self.url.get_backend_name() == "sqlite" else "postgis"
        )
        if self.backend == "sqlite":
            assert self.url.database is not None, "an embedded store needs a file"
            Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(self.url, connect_args={"check_same_thread": False})
            _sqlite_setup(self.engine)
        else:
            self.engine = create_engine(self.url, pool_pre_ping=True)
        if create:
            with self._unavailable_as_error():
                s.metadata.create_all(self.engine)

    def describe(self) -> str:
        """Where the store is, without any password."""
        return self.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions -----------------------------------------------------------------

    @contextlib.contextmanager
    def _unavailable_as_error(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:
            where = self.describe()
            raise StoreUnavailableError(
                "err_store_unreachable", where=where, cause=type(exc.orig).__name__,
                variable=URL_VARIABLE,
            ) from None  # fmt: skip

    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._unavailable_as_error(), self.engine.connect() as conn:
            yield conn

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction: all of it is committed or none of it."""
        with self._unavailable_as_error(), self.engine.connect() as conn:
            conn = conn.execution_options(store_write=True)
            with conn.begin():
                yield conn

    # -- users ------------------------------------------------------------------------

    def add_user(self, username: str, password: str | None, role: Role) -> User:
        """A new account (``password`` None: the local user of embedded mode, who cannot
        log in with a password)."""
        check_username(username)
        if role not in ROLES:
            raise StoreError(f"role {role!r} is not one of {', '.join(ROLES)}.")
        hashed = hash_password(password) if password is not None else None
        row = {"username": username, "password_hash": hashed, "role": role}
        try:
            with self._write() as conn:
                conn.execute(insert(s.users).values(**row, disabled=False, created_utc=now_utc()))
        except IntegrityError:
            raise StoreError(f"user {username!r} exists already; choose another name.") from None
        return self.user(username)

    def set_user(
        self,
        username: str,
        *,
        disabled: bool | None = None,
        role: Role | None = None,
        password: str | None = None,
    ) -> User:
        """Disable or enable an account, change its role or password."""
        values: dict[str, Any] = {}
        if disabled is not None:
            values["disabled"] = disabled
        if role is not None:
            if role not in ROLES:
                raise StoreError(f"role {role!r} is not one of {', '.join(ROLES)}.")
            values["role"] = role
        if password is not None:
            values["password_hash"] = hash_password(password)
        self.user(username)
        if values:
            with self._write() as conn:
                conn.execute(update(s.users).where(s.users.c.username == username).values(values))
        return self.user(username)

    def user(self, username: str) -> User:
        with self._read() as conn:
            row = conn.execute(select(s.users).where(s.users.c.username == username)).first()
        if row is None:
            raise NotFoundError(
                f"no user {username!r}; an admin adds it (python -m geo users add)."
            )
        return User(row.username, row.role, bool(row.disabled), row.created_utc)

    def list_users(self) -> list[User]:
        with self._read() as conn:
            rows = conn.execute(select(s.users).order_by(s.users.c.username)).all()
        return [User(r.username, r.role, bool(r.disabled), r.created_utc) for r in rows]

    def authenticate(self, username: str, password: str) -> User:
        """The user whose password this is; one message for every failure."""
        with self._read() as conn:
            row = conn.execute(select(s.users).where(s.users.c.username == username)).first()
        if (
            row is None
            or row.disabled
            or row.password_hash is None
            or not check_password(row.password_hash, password)
        ):
            raise PermissionDeniedError("err_login_failed")
        return User(row.username, row.role, False, row.created_utc)

    def local_user(self, username: str) -> User:
        """Embedded mode without login: the one local user (an admin), made if missing."""
        try:
            return self.user(username)
        except NotFoundError:
            with contextlib.suppress(StoreError):  # made meanwhile by another session
                self.add_user(username, None, "admin")
            return self.user(username)

    # -- reading ----------------------------------------------------------------------

    def _version_select(self) -> Any:
        return select(s.versions, s.objects.c.kind, s.objects.c.owner).join(
            s.objects, s.objects.c.object_id == s.versions.c.object_id
        )

    @staticmethod
    def _version(row: Any) -> Version:
        return Version(
            object_id=row.object_id, kind=row.kind, owner=row.owner, version=row.version,
            name=row.name, status=row.status, shared=bool(row.shared), author=row.author,
            time_utc=row.time_utc, action=row.action, reason=row.reason, source=row.source,
            accuracy=row.accuracy, features_of=row.features_of,
            feature_count=row.feature_count, area_m2=row.area_m2, meta=json.loads(row.meta),
        )  # fmt: skip

    @staticmethod
    def _heads(as_of: str | None = None) -> Any:
        """Subquery: the latest version number of each object (at ``as_of``)."""
        q = select(s.versions.c.object_id, func.max(s.versions.c.version).label("head"))
        if as_of is not None:
            q = q.where(s.versions.c.time_utc <= as_of)
        return q.group_by(s.versions.c.object_id).subquery()

    def _latest(self, conn: Connection, object_id: str) -> Version | None:
        row = conn.execute(
            self._version_select()
            .where(s.versions.c.object_id == object_id)
            .order_by(s.versions.c.version.desc())
            .limit(1)
        ).first()
        return self._version(row) if row is not None else None

    def versions_exist(self, object_id: str) -> bool:
        """Whether an element or layer with this id exists (whoever owns it)."""
        with self._read() as conn:
            return self._latest(conn, object_id) is not None

    def find_by_name(self, name: str) -> list[str]:
        """Ids of the objects whose latest version has this name."""
        heads = self._heads()
        q = (
            select(s.versions.c.object_id)
            .join(heads, and_(heads.c.object_id == s.versions.c.object_id,
                              heads.c.head == s.versions.c.version))
            .where(s.versions.c.name == name)
        )  # fmt: skip
        with self._read() as conn:
            return sorted(r.object_id for r in conn.execute(q).all())

    def _latest_of(self, conn: Connection, object_ids: Sequence[str]) -> dict[str, Version]:
        """The latest version of each of these objects that exists."""
        heads = self._heads()
        q = self._version_select().join(
            heads,
            and_(
                heads.c.object_id == s.versions.c.object_id,
                heads.c.head == s.versions.c.version,
            ),
        )
        rows = conn.execute(q.where(s.versions.c.object_id.in_(list(object_ids)))).all()
        return {r.object_id: self._version(r) for r in rows}

    @staticmethod
    def _visible(v: Version, user: User) -> bool:
        return v.kind == "element" or v.owner == user.username or v.shared

    def get(self, user: User, object_id: str, *, version: int | None = None) -> Version:
        """The latest version of an object (or ``version``), if ``user`` may see it."""
        with self._read() as conn:
            latest = self._latest(conn, object_id)
            if latest is None or not self._visible(latest, user):
                raise NotFoundError(
                    f"no layer or element {object_id!r} that you may see (it does not exist "
                    "or is another user's private layer); choose one from the list."
                )
            if version is None or version == latest.version:
                return latest
            row = conn.execute(
                self._version_select().where(
                    s.versions.c.object_id == object_id, s.versions.c.version == version
                )
            ).first()
        if row is None:
            raise NotFoundError(
                f"{latest.name!r} has versions 1 to {latest.version}, not {version}."
            )
        return self._version(row)

    def versions(self, user: User, object_id: str) -> list[Version]:
        """Every version of an object, oldest first."""
        self.get(user, object_id)
        with self._read() as conn:
            rows = conn.execute(
                self._version_select()
                .where(s.versions.c.object_id == object_id)
                .order_by(s.versions.c.version)
            ).all()
        return [self._version(r) for r in rows]

    def list_layers(self, user: User, *, include_deleted: bool = False) -> list[Version]:
        """The latest version of each user layer ``user`` may see: their own and shared
        ones, oldest first; deleted ones only with ``include_deleted``."""
        heads = self._heads()
        q = (
            self._version_select()
            .join(
                heads,
                and_(
                    heads.c.object_id == s.versions.c.object_id,
                    heads.c.head == s.versions.c.version,
                ),
            )
            .where(s.objects.c.kind == "layer")
            .order_by(s.objects.c.created_utc, s.objects.c.object_id)
        )
        with self._read() as conn:
            found = [self._version(r) for r in conn.execute(q).all()]
        return [
            v for v in found if self._visible(v, user) and (include_deleted or v.status == "active")
        ]

    def _features(
        self,
        conn: Connection,
        pairs: Sequence[tuple[str, int]],
        *,
        bbox: tuple[float, float, float, float] | None = None,
        feature_nos: Sequence[int] | None = None,
    ) -> gpd.GeoDataFrame:
        """The features the given (object id, version) pairs wrote, in EPSG:4326, with an
        ``object_id`` column; only those meeting ``bbox`` (lon/lat) if given, only those
        numbered ``feature_nos`` if given (by the table's primary key; the index is then
        their numbers)."""
        f = s.features
        geom: ColumnElement[Any] = (
            func.ST_AsBinary(f.c.geometry).label("geometry")
            if self.backend == "postgis"
            else f.c.geometry
        )
        # One object: its key by equality, so SQLite searches the primary key on all three
        # columns (with a row-value IN it used object_id only and scanned the object's rows:
        # 0.35 CPU-s to find one feature of a million).
        if len(pairs) == 1:
            key = and_(f.c.object_id == pairs[0][0], f.c.version == pairs[0][1])
        else:
            key = tuple_(f.c.object_id, f.c.version).in_(list(pairs))
        q = select(f.c.object_id, f.c.feature_no, geom, f.c.properties).where(key)
        if feature_nos is not None:
            q = q.where(f.c.feature_no.in_([int(n) for n in feature_nos]))
        if bbox is not None:
            minx, miny, maxx, maxy = bbox
            if self.backend == "postgis":  # the GiST index does the work
                envelope = func.ST_MakeEnvelope(minx, miny, maxx, maxy, s.SRID)
                q = q.where(func.ST_Intersects(f.c.geometry, envelope))
            else:  # bounding boxes first, then the exact test below
                q = q.where(f.c.minx <= maxx, f.c.maxx >= minx, f.c.miny <= maxy, f.c.maxy >= miny)
        rows = conn.execute(q.order_by(f.c.object_id, f.c.feature_no)).all() if pairs else []
        # One parse of all rows: a json.loads per row took 2.6 times as long (100,000 rows).
        records = json.loads(f"[{','.join(r.properties for r in rows)}]")
        wkb = np.array([None if r.geometry is None else bytes(r.geometry) for r in rows], object)
        index = [r.feature_no for r in rows] if feature_nos is not None else range(len(rows))
        frame = gpd.GeoDataFrame(
            pd.DataFrame.from_records(records, index=index),
            geometry=shapely.from_wkb(wkb) if len(rows) else [],
            crs=f"EPSG:{s.SRID}",
        )
        frame.insert(0, "object_id", [r.object_id for r in rows])
        if bbox is not None and self.backend == "sqlite" and len(frame):
            frame = frame[shapely.intersects(frame.geometry.array, shapely.box(*bbox))]
        return frame

    def read(
        self,
        user: User,
        object_id: str,
        *,
        version: int | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        feature_nos: Sequence[int] | None = None,
    ) -> gpd.GeoDataFrame:
        """The features of an object's latest version (or ``version``), EPSG:4326, every
        attribute; with ``bbox`` (lon/lat) only those that intersect it; with
        ``feature_nos`` (0-based positions in the saved layer, a tile id minus one) only
        those, looked up by the primary key: a click on one of a million parcels reads one
        row, indexed by its position."""
        v = self.get(user, object_id, version=version)
        with self._read() as conn:
            frame = self._features(
                conn, [(object_id, v.features_of)], bbox=bbox, feature_nos=feature_nos
            )
        return frame.drop(columns="object_id")

    def original(self, user: User, object_id: str, *, version: int | None = None) -> bytes:
        """The uploaded file of a layer's version, byte for byte."""
        v = self.get(user, object_id, version=version)
        with self._read() as conn:
            row = conn.execute(
                select(s.originals.c.data)
                .where(s.originals.c.object_id == object_id, s.originals.c.version <= v.version)
                .order_by(s.originals.c.version.desc())
                .limit(1)
            ).first()
        if row is None:
            raise NotFoundError(f"{v.name!r} has no uploaded file kept (made in the app).")
        return bytes(row.data)

    def current_plan(self, *, as_of: str | None = None) -> gpd.GeoDataFrame:
        """The plan's elements as they are now (or were at ``as_of``, ISO UTC), indexed by
        id like :func:`geo.plan.zones.load_zones`, with ``store_version`` and
        ``store_time_utc`` naming the version each row comes from. Deleted elements are
        left out."""
        heads = self._heads(as_of)
        q = (
            select(s.versions.c.object_id, s.versions.c.version, s.versions.c.time_utc,
                   s.versions.c.features_of, s.versions.c.status)
            .join(heads, and_(heads.c.object_id == s.versions.c.object_id,
                              heads.c.head == s.versions.c.version))
            .join(s.objects, s.objects.c.object_id == s.versions.c.object_id)
            .where(s.objects.c.kind == "element")
        )  # fmt: skip
        with self._read() as conn:
            rows = [r for r in conn.execute(q).all() if r.status == "active"]
            frame = self._features(conn, [(r.object_id, r.features_of) for r in rows])
        by_id = {r.object_id: r for r in rows}
        frame["store_version"] = [by_id[i].version for i in frame["object_id"]]
        frame["store_time_utc"] = [by_id[i].time_utc for i in frame["object_id"]]
        frame = frame.drop(columns="object_id")
        if "id" in frame.columns:
            frame = frame.set_index("id", drop=False).rename_axis(None).sort_index()
        return frame

    def plan_revision(self) -> PlanRevision:
        """The plan's current :class:`PlanRevision`: one aggregate over the audit rows of
        plan elements (one row per change, so a few thousand at most), cheap enough to
        ask on every page run."""
        a = s.audit
        newest = (func.max(a.c.audit_id), func.count(a.c.audit_id), func.max(a.c.time_utc))
        q = select(*newest).where(a.c.kind == "element")
        with self._read() as conn:
            number, changes, time_utc = conn.execute(q).one()
        return PlanRevision(int(number or 0), int(changes), str(time_utc or ""))

    def history(
        self,
        user: User,
        *,
        object_id: str | None = None,
        username: str | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        """The audit trail, newest first: of one object, of one user's changes, or all.
        Another user's private layers are left out (admins see everything)."""
        a = s.audit
        q = select(a).order_by(a.c.audit_id.desc())
        if object_id is not None:
            q = q.where(a.c.object_id == object_id)
        if username is not None:
            q = q.where(a.c.username == username)
        if not user.is_admin:
            private = (
                select(s.objects.c.object_id)
                .where(s.objects.c.kind == "layer", s.objects.c.owner != user.username)
                .where(~s.objects.c.object_id.in_(self._shared_ids()))
            )
            q = q.where(~a.c.object_id.in_(private))
        if limit is not None:
            q = q.limit(limit)
        with self._read() as conn:
            rows = conn.execute(q).all()
        return [AuditEntry(**r._asdict()) for r in rows]

    def _shared_ids(self) -> Any:
        heads = self._heads()
        return (
            select(s.versions.c.object_id)
            .join(heads, and_(heads.c.object_id == s.versions.c.object_id,
                              heads.c.head == s.versions.c.version))
            .where(s.versions.c.shared.is_(True))
        )  # fmt: skip

    # -- writing ----------------------------------------------------------------------

    def _insert_features(
        self, conn: Connection, object_id: str, version: int, features: _Features
    ) -> None:
        """The features of one version, inside ``conn``'s transaction: PostGIS takes one
        binary ``COPY`` stream, SQLite the DB-API's ``executemany``; both get their rows
        as columns zipped together, never a dictionary or a formatted number per row."""
        geoms, props = features.geoms, features.properties
        box = shapely.bounds(geoms)  # NaN for a missing or empty geometry
        raw = conn.connection.driver_connection
        assert raw is not None
        if self.backend == "postgis":
            wkbs = shapely.to_wkb(shapely.set_srid(geoms, s.SRID), include_srid=True)
            with raw.cursor() as cur, cur.copy(_COPY_FEATURES) as copy:
                copy.write(_COPY_SIGNATURE)
                for lo in range(0, len(props), _COPY_ROWS):
                    hi = lo + _COPY_ROWS
                    copy.write(
                        _copy_binary(object_id, version, lo, wkbs[lo:hi], props[lo:hi], box[lo:hi])
                    )
                copy.write(_COPY_TRAILER)
            return
        cells = box.astype(object)
        cells[np.isnan(box)] = None
        # The statement SQLAlchemy compiles, its parameters in its own order, each row a
        # tuple zipped from the columns (dictionaries per row: 5 s of a 100k-parcel save).
        compiled = insert(s.features).compile(dialect=conn.dialect)
        columns: dict[str, Iterable[Any]] = {
            "object_id": itertools.repeat(object_id), "version": itertools.repeat(version),
            "feature_no": range(len(props)), "geometry": shapely.to_wkb(geoms).tolist(),
            "properties": props, "minx": cells[:, 0].tolist(), "miny": cells[:, 1].tolist(),
            "maxx": cells[:, 2].tolist(), "maxy": cells[:, 3].tolist(),
        }  # fmt: skip
        assert compiled.positiontup is not None
        rows = zip(*(columns[name] for name in compiled.positiontup), strict=False)  # repeats
        raw.cursor().executemany(compiled.string, rows)

    def _append(
        self,
        conn: Connection,
        user: User,
        base: Version,
        *,
        action: Action,
        reason: str,
        changes: Mapping[str, Any],
        frame: gpd.GeoDataFrame | _Features | None = None,
        original: tuple[str, bytes] | None = None,
    ) -> Version:
        """Add the version after ``base`` and its audit row (inside ``conn``'s transaction)."""
        features = _Features.of(frame) if isinstance(frame, gpd.GeoDataFrame) else frame
        values = {**asdict(base), **changes}
        values.update(
            version=base.version + 1, author=user.username, time_utc=now_utc(),
            action=action, reason=reason,
        )  # fmt: skip
        if features is not None:
            values.update(
                features_of=values["version"],
                feature_count=len(features),
                area_m2=float(features.areas_m2.sum()),
            )
        new = Version(**values)
        row = {k: v for k, v in values.items() if k not in ("kind", "owner")}
        row["meta"] = _json(dict(new.meta))
        conn.execute(insert(s.versions).values(row))
        if features is not None:
            self._insert_features(conn, new.object_id, new.version, features)
        if original is not None:
            conn.execute(
                insert(s.originals).values(
                    object_id=new.object_id, version=new.version,
                    filename=original[0], data=original[1],
                )
            )  # fmt: skip
        first = base.version == 0
        conn.execute(
            insert(s.audit).values(
                time_utc=new.time_utc, username=user.username, action=action,
                object_id=new.object_id, kind=new.kind, name=new.name,
                version_before=None if first else base.version, version_after=new.version,
                area_before_m2=None if first or base.status == "deleted" else base.area_m2,
                area_after_m2=None if new.status == "deleted" else new.area_m2,
                reason=reason,
            )
        )  # fmt: skip
        return new

    @staticmethod
    def _may_change(user: User, v: Version) -> None:
        if not user.can_edit:
            raise PermissionDeniedError(
                "err_may_not_change", user=repr(user.username), role=user.role,
                disabled=Message("err_disabled_suffix") if user.disabled else "",
            )  # fmt: skip
        if v.kind == "layer" and v.owner != user.username and not (v.shared and user.is_admin):
            raise PermissionDeniedError("err_layer_owner_only", name=repr(v.name), owner=v.owner)

    def save_layer(
        self,
        user: User,
        frame: gpd.GeoDataFrame,
        *,
        name: str,
        reason: str = "upload",
        upload: UploadSource | None = None,
        original: bytes | None = None,
        messages: Sequence[str] = (),
        source: str | None = None,
        accuracy: str = "as uploaded; not checked against survey",
        shared: bool = False,
    ) -> Version:
        """A new user layer (version 1), private to ``user`` unless ``shared``.

        ``frame`` must be in EPSG:4326 (what :func:`geo.upload.read_upload` returns).
        """
        _check_frame(frame, name=name)
        object_id = uuid.uuid4().hex
        if source is None:
            source = (
                f"uploaded file {upload.filename} ({upload.format}, read in {upload.crs_used})"
                if upload is not None
                else "made in the app"
            )
        meta: dict[str, Any] = {"messages": list(messages)}
        if upload is not None:
            meta["upload"] = asdict(upload)
        base = Version(
            object_id=object_id, kind="layer", owner=user.username, version=0, name=name,
            status="active", shared=shared, author=user.username, time_utc="", action="",
            reason="", source=source, accuracy=accuracy, features_of=0, feature_count=0,
            area_m2=0.0, meta=meta,
        )  # fmt: skip
        self._may_change(user, base)
        kept = (upload.filename, original) if upload is not None and original is not None else None
        with self._write() as conn:
            conn.execute(
                insert(s.objects).values(
                    object_id=object_id, kind="layer", owner=user.username, created_utc=now_utc()
                )
            )
            return self._append(
                conn, user, base, action="create", reason=reason, changes={}, frame=frame,
                original=kept,
            )  # fmt: skip

    def _change(
        self,
        user: User,
        object_id: str,
        *,
        expected_version: int,
        action: Action,
        reason: str,
        changes: Callable[[Version], Mapping[str, Any]],
        frame: gpd.GeoDataFrame | None = None,
    ) -> Version:
        """Add a version on top of ``expected_version``, or raise :class:`ConflictError`
        (keeping ``frame``, the caller's work, as their private layer)."""
        self.get(user, object_id)
        try:
            with self._write() as conn:
                latest = self._latest(conn, object_id)
                assert latest is not None
                self._may_change(user, latest)
                if latest.version != expected_version:
                    raise _StaleError
                return self._append(
                    conn, user, latest, action=action, reason=reason,
                    changes=changes(latest), frame=frame,
                )  # fmt: skip
        except (_StaleError, IntegrityError):
            pass
        latest = self.get(user, object_id)
        kept: Version | None = None
        if frame is not None and user.can_edit:
            kept = self.save_layer(
                user, frame, name=f"{latest.name} ({user.username}, {_short_time(now_utc())})",
                reason=f"kept: saving on top of version {expected_version} of {latest.name!r} "
                f"conflicted with version {latest.version}: {reason}",
                source=f"{user.username}'s edit of {latest.name!r} version {expected_version}",
                accuracy=latest.accuracy,
            )  # fmt: skip
        what = (
            Message("err_store_conflict_kept", kept=repr(kept.name))
            if kept is not None
            else Message("err_store_conflict_nothing")
        )
        raise ConflictError(
            Message(
                "err_store_conflict",
                name=repr(latest.name),
                author=latest.author,
                time=_short_time(latest.time_utc),
                opened=expected_version,
                version=latest.version,
                action=latest.action,
                reason=latest.reason,
                what=what,
            ),
            latest=latest,
            kept_as=kept.object_id if kept is not None else None,
        )

    def edit(
        self,
        user: User,
        object_id: str,
        frame: gpd.GeoDataFrame,
        *,
        expected_version: int,
        reason: str,
        source: str,
        accuracy: str,
    ) -> Version:
        """New features for a plan element or layer (a new version; nothing overwritten).
        ``source`` and ``accuracy`` say where the new geometry comes from and how good it
        is."""
        _check_frame(frame, name=object_id)
        return self._change(
            user, object_id, expected_version=expected_version, action="edit", reason=reason,
            changes=lambda v: {"source": source, "accuracy": accuracy}, frame=frame,
        )  # fmt: skip

    def create_element(
        self,
        user: User,
        frame: gpd.GeoDataFrame,
        *,
        element_id: str,
        reason: str,
        source: str,
        accuracy: str,
    ) -> Version:
        """A new plan element (version 1, e.g. a zone drawn in the app); ``element_id``
        must not be in use. ``frame`` is its one row, in EPSG:4326."""
        _check_frame(frame, name=element_id)
        taken = StoreError(
            f"a plan element or layer with the id {element_id!r} exists already; choose another id."
        )
        if self.versions_exist(element_id):
            raise taken
        name = str(frame["name_zh"].iloc[0]) if "name_zh" in frame.columns else element_id
        base = Version(
            object_id=element_id, kind="element", owner=None, version=0, name=name,
            status="active", shared=True, author="", time_utc="", action="", reason="",
            source=source, accuracy=accuracy, features_of=0, feature_count=0, area_m2=0.0,
        )  # fmt: skip
        self._may_change(user, base)
        try:
            with self._write() as conn:
                conn.execute(
                    insert(s.objects).values(
                        object_id=element_id, kind="element", owner=None, created_utc=now_utc()
                    )
                )
                return self._append(
                    conn, user, base, action="create", reason=reason, changes={}, frame=frame
                )
        except IntegrityError:  # made by someone else at the same moment
            raise taken from None

    def rename(
        self, user: User, object_id: str, name: str, *, expected_version: int, reason: str = ""
    ) -> Version:
        return self._change(
            user, object_id, expected_version=expected_version, action="rename",
            reason=reason or "renamed", changes=lambda v: {"name": name},
        )  # fmt: skip

    def share(self, user: User, object_id: str, *, shared: bool, expected_version: int) -> Version:
        """Let every user see a layer (or make it private again)."""
        return self._change(
            user, object_id, expected_version=expected_version, action="share",
            reason="shared with everyone" if shared else "made private",
            changes=lambda v: {"shared": shared},
        )  # fmt: skip

    def delete(
        self, user: User, object_id: str, *, expected_version: int, reason: str = ""
    ) -> Version:
        """Soft delete: a version marked deleted; :meth:`restore` brings it back."""
        return self._change(
            user, object_id, expected_version=expected_version, action="delete",
            reason=reason or "deleted", changes=lambda v: {"status": "deleted"},
        )  # fmt: skip

    def restore(
        self,
        user: User,
        object_id: str,
        *,
        version: int,
        expected_version: int,
        reason: str = "",
    ) -> Version:
        """Make ``version`` current again, as a new version (it copies that version's name,
        features, source and accuracy; the history keeps everything in between)."""
        old = self.get(user, object_id, version=version)
        kept = ("name", "shared", "source", "accuracy", "features_of", "feature_count",
                "area_m2", "meta")  # fmt: skip
        return self._change(
            user, object_id, expected_version=expected_version, action="restore",
            reason=reason or f"restored version {version}",
            changes=lambda v: {**{k: getattr(old, k) for k in kept}, "status": "active"},
        )  # fmt: skip

    # -- the plan's seed --------------------------------------------------------------

    def seed_plan(self, zones: gpd.GeoDataFrame, *, seed_name: str) -> SeedReport:
        """Import the plan's published elements (``data/zones.geojson``, validated, one row
        per element with an ``id``) as versions authored by ``seed``.

        An element is created when new and gets a new version when the seed changed it,
        but only while its latest version is still a seed version: an element someone
        edited is kept as they left it (listed in ``kept``).
        """
        seed = User(SEED_AUTHOR, "admin", False, "")
        rows = zones.reset_index(drop=True)
        ready = _Features.of(rows)
        created: list[str] = []
        updated: list[str] = []
        kept: list[str] = []
        for attempt in range(2):  # a second process seeding at the same time: do it again
            for done in (created, updated, kept):
                done.clear()
            try:
                with self._write() as conn:
                    latest = self._latest_of(conn, [str(i) for i in rows["id"]])
                    for i in range(len(rows)):
                        outcome, element_id = self._seed_one(
                            conn, seed, ready.row(i), latest, seed_name=seed_name
                        )
                        {"created": created, "updated": updated, "kept": kept}.get(
                            outcome, []
                        ).append(element_id)
                break
            except IntegrityError:
                if attempt:
                    raise
        return SeedReport(tuple(created), tuple(updated), tuple(kept))

    def _seed_one(
        self,
        conn: Connection,
        seed: User,
        one: _Features,
        latest_of: Mapping[str, Version],
        *,
        seed_name: str,
    ) -> tuple[str, str]:
        props = json.loads(one.properties[0])
        element_id = str(props["id"])
        wkb = shapely.to_wkb(one.geoms[0], hex=True) or ""
        digest = hashlib.sha256((_json(props) + wkb).encode("utf-8")).hexdigest()
        latest = latest_of.get(element_id)
        if latest is not None and latest.meta.get("seed_sha256") == digest:
            return "same", element_id
        if latest is not None and latest.author != SEED_AUTHOR:
            return "kept", element_id
        accuracy_m = props.get("accuracy_m")
        changes = {
            "name": str(props.get("name_zh") or element_id),
            "source": " — ".join(
                str(props[k]) for k in ("geometry_source", "source_detail") if props.get(k)
            )
            or seed_name,
            "accuracy": f"±{accuracy_m} m" if accuracy_m is not None else "not stated",
            "meta": {"seed_sha256": digest, "seed_file": seed_name},
            "status": "active",
        }
        if latest is None:
            conn.execute(
                insert(s.objects).values(
                    object_id=element_id, kind="element", owner=None, created_utc=now_utc()
                )
            )
            latest = Version(
                object_id=element_id, kind="element", owner=None, version=0, name="",
                status="active", shared=True, author="", time_utc="", action="", reason="",
                source="", accuracy="", features_of=0, feature_count=0, area_m2=0.0,
            )  # fmt: skip
        self._append(
            conn, seed, latest, action="seed", reason=f"imported from {seed_name}",
            changes=changes, frame=one,
        )  # fmt: skip
        return "created" if latest.version == 0 else "updated", element_id


_COPY_FEATURES: Final = (
    "COPY features (object_id, version, feature_no, geometry, properties, minx, miny, maxx, "
    "maxy) FROM STDIN (FORMAT BINARY)"
)
_COPY_ROWS: Final = 10_000
_COPY_SIGNATURE: Final = b"PGCOPY\n\xff\r\n\0" + bytes(8)  # no flags, no header extension
_COPY_TRAILER: Final = b"\xff\xff"
_NULL_BOUNDS: Final = b"\xff\xff\xff\xff" * 4  # four NULL fields
_BOUNDS_CELLS: Final = np.dtype([(f"{k}{i}", ">i4" if k == "n" else ">f8")
                                 for i in range(4) for k in ("n", "x")])  # fmt: skip


def _int4_cells(values: npt.ArrayLike) -> list[bytes]:
    """Each value as a big-endian 4-byte integer."""
    data = np.asarray(values, dtype=">i4").tobytes()
    return [data[k : k + 4] for k in range(0, len(data), 4)]


def _copy_binary(
    object_id: str,
    version: int,
    first_no: int,
    wkbs: npt.NDArray[Any],  # bytes, None for a missing geometry
    props: list[str],
    box: npt.NDArray[np.float64],
) -> bytes:
    """Rows of ``features`` in COPY's binary format (without its signature and trailer):
    per row the field count, then each field's length and bytes (-1: NULL). Geometries go
    as EWKB, which PostGIS reads without parsing hex text, bounds as 8-byte floats: no
    number is formatted as text (that took 2 s of a 100k-parcel save)."""
    oid = object_id.encode()
    head = struct.pack(">hi", 9, len(oid)) + oid + struct.pack(">iii", 4, version, 4)
    numbers = _int4_cells(np.arange(first_no, first_no + len(props)))
    shapes = [b"" if w is None else bytes(w) for w in wkbs]
    shape_lengths = _int4_cells([-1 if w is None else len(w) for w in wkbs])
    texts = [p.encode() for p in props]
    text_lengths = _int4_cells([len(t) for t in texts])
    cells = np.zeros(len(props), dtype=_BOUNDS_CELLS)
    for i in range(4):
        cells[f"n{i}"], cells[f"x{i}"] = 8, box[:, i]
    blob = cells.tobytes()
    size = _BOUNDS_CELLS.itemsize
    bounds = [blob[k * size : (k + 1) * size] for k in range(len(props))]
    for k in np.flatnonzero(np.isnan(box).any(axis=1)):  # a missing or empty geometry
        bounds[k] = _NULL_BOUNDS
    parts = zip(itertools.repeat(head), numbers, shape_lengths, shapes, text_lengths, texts, bounds)
    return b"".join(itertools.chain.from_iterable(parts))


class _StaleError(Exception):
    """Inside a write: the object moved on since the caller read it."""


def _short_time(iso: str) -> str:
    """``2026-12-01T11:40:05.123456+00:00`` → ``2026-12-01 11:40:05 UTC``."""
    return iso[:19].replace("T", " ") + " UTC" if iso else "?"


def _check_frame(frame: gpd.GeoDataFrame, *, name: str) -> None:
    if frame.crs is None or not frame.crs.equals(f"EPSG:{s.SRID}"):
        raise StoreError(
            f"{name}: the store keeps geometries in EPSG:{s.SRID}, this layer is in "
            f"{frame.crs}; convert it first (to_crs)."
        )


def _sqlite_setup(engine: Engine) -> None:
    """WAL, full sync, a 60 s wait for the write lock, and ``BEGIN IMMEDIATE`` for writes
    (so a write never meets a newer version it did not read)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # the begin hook below starts transactions
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=60000"):
            dbapi_conn.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("store_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def open_store(
    *, url: str | None = None, workspace_dir: str | os.PathLike[str] | None = None
) -> Store:
    """The store the settings name: ``url``, else ``PLANMAP_DATABASE_URL``, else the
    embedded file in ``workspace_dir`` (default: the workspace of ``config/upload.toml``)."""
    if workspace_dir is None:
        from geo.upload.settings import default_settings

        workspace_dir = default_settings().workspace_dir
    return Store(store_url(url=url, workspace_dir=workspace_dir))


def open_plan_store(
    *,
    url: str | None = None,
    workspace_dir: str | os.PathLike[str] | None = None,
    seed: bool = True,
) -> Store:
    """:func:`open_store`, with the plan's seed (``data/zones.geojson``) imported when it
    is new or changed (:meth:`Store.seed_plan`)."""
    store = open_store(url=url, workspace_dir=workspace_dir)
    if seed:
        from geo.plan.zones import ZONES_FILE, load_zones

        try:
            store.seed_plan(load_zones(ZONES_FILE), seed_name=f"data/{ZONES_FILE.name}")
        except BaseException:
            store.close()
            raise
    return store
