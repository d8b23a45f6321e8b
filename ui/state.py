"""Every session-state key the app uses, in one place."""

from __future__ import annotations

from typing import Final

LANG: Final = "lang"
BASEMAP: Final = "basemap"
UNIT: Final = "unit"
SEARCH: Final = "zone_search"
SELECTED: Final = "selected_zone"
FRAME_ZONE: Final = "frame_zone"  # a zone found by search: the map moves to it once
FRAME_LAYERS: Final = "frame_layers"  # layers to frame once (a plan target picked)
TARGET_SHOWN: Final = "target_shown"  # the plan target whose layers are shown
LAST_CLICK: Final = "last_click"
CLICK_HITS: Final = "click_hits"
MAP_VIEW: Final = "map_view"  # last bounds and zoom st_folium reported
TOTALS_WITH_CONTEXT: Final = "totals_with_context"  # area totals include extents/context
OVERLAP_A: Final = "overlap_a"
OVERLAP_B: Final = "overlap_b"
OVERLAP_SHOW: Final = "overlap_show"

UPLOAD_FILE: Final = "upload_file"
UPLOAD_LAYER: Final = "upload_layer"
UPLOAD_ENCODING: Final = "upload_encoding"
UPLOAD_SYSTEM: Final = "upload_coordinate_system"
UPLOAD_CRS: Final = "upload_crs_confirmed"  # {(file name, SHA-256): (crs, swap_xy)} confirmed
UPLOAD_CRS_PICK: Final = "upload_crs_pick"
UPLOAD_CRS_TEXT: Final = "upload_crs_text"  # an EPSG code / CRS the user typed
UPLOAD_CRS_USE: Final = "upload_crs_use"  # button: read the file in the typed CRS
UPLOAD_CRS_CONFIRM: Final = "upload_crs_confirm"  # button: use the picked candidate
UPLOAD_NAME: Final = "upload_name"
UPLOAD_SAVE: Final = "upload_save"
WORKSPACE_NOTICE: Final = "workspace_notice"  # (i18n heading key, message) from a callback
ANALYSE_LAYER: Final = "analyse_layer"
ANALYSE_ZONES: Final = "analyse_zones"
ANALYSE_SHOW: Final = "analyse_show"

PLAN_MAP: Final = "plan_map"  # the st_folium component
MAIN_TABS: Final = "main_tabs"  # the open tab's label (tabs that are not open do no work)
ZONE_PANEL: Final = "zone_panel"  # the container beside the map
TAB_BODY_PREFIX: Final = "tab_body__"  # the scrolling body of each tab

EXPORT_PRESET: Final = "export_preset"
EXPORT_PAPER: Final = "export_paper"
EXPORT_ORIENTATION: Final = "export_orientation"
EXPORT_DPI: Final = "export_dpi"
EXPORT_FMT: Final = "export_fmt"
EXPORT_ZOOM_SELECTED: Final = "export_zoom_selected"
EXPORT_MAKE: Final = "export_make"
EXPORT_MAP_DOWNLOAD: Final = "export_map_download"
EXPORT_HTML_MAKE: Final = "export_html_make"
EXPORT_HTML_DOWNLOAD: Final = "export_html_download"
EXPORT_LAYER_FMT: Final = "export_layer_fmt"
EXPORT_LAYER_CRS: Final = "export_layer_crs"
EXPORT_LAYER_MAKE: Final = "export_layer_make"
EXPORT_LAYER_DOWNLOAD: Final = "export_layer_download"

REVIEW_LAYERS: Final = "review_layers"  # saved layers the rules read (user:/line: selectors)
REVIEW_TOPOLOGY_LAYER: Final = "review_topology_layer"
REVIEW_GAP_WIDTH: Final = "review_gap_width"
REVIEW_SLIVER_WIDTH: Final = "review_sliver_width"
REVIEW_LANDUSE_LAYER: Final = "review_landuse_layer"
REVIEW_ATLAS_LAYERS: Final = "review_atlas_layers"
REVIEW_ATLAS_PAPER: Final = "review_atlas_paper"
REVIEW_ATLAS_DOWNLOAD: Final = "review_atlas_download"
REVIEW_PACK_PDF: Final = "review_pack_pdf"
REVIEW_PACK_XLSX: Final = "review_pack_xlsx"

COMPARE_MODE: Final = "compare_mode"  # two plan versions, or a saved layer against the plan
COMPARE_BEFORE: Final = "compare_before"  # plan version (as-of time) on the before side
COMPARE_AFTER: Final = "compare_after"
COMPARE_LAYER: Final = "compare_layer"  # saved layer compared against the plan
COMPARE_ONLY_CHANGED: Final = "compare_only_changed"
COMPARE_MAP: Final = "compare_map"  # the difference map's st_folium component
COMPARE_VIEW: Final = "compare_view"  # difference view or swipe view
COMPARE_SWIPE_MAP: Final = "compare_swipe_map"  # the swipe view's st_folium component
COMPARE_PDF: Final = "compare_pdf"  # the comparison's PDF page (built on click)
ADOPT_LAYER: Final = "adopt_layer"
ADOPT_COLUMN: Final = "adopt_column"
ADOPT_DOCUMENT: Final = "adopt_document"
ADOPT_ACCURACY: Final = "adopt_accuracy"
ADOPT_REASON: Final = "adopt_reason"
ADOPT_SAVE: Final = "adopt_save"
ADOPT_SEEN: Final = "adopt_seen"  # {element id: store version} the page showed last run
ADOPT_MAP: Final = "adopt_map"  # old and new shapes of the matched elements
ADOPT_CAD_LAYERS: Final = "adopt_cad_layers"  # the CAD layers of a DXF taken for adoption
ADOPT_PICK_MAP: Final = "adopt_pick_map"  # the layer's features, clicked to assign them
ADOPT_PICK_ELEMENT: Final = "adopt_pick_element"  # the plan element a click assigns to
ADOPT_PICKED: Final = "adopt_picked"  # the assignments made by clicking (AdoptClicks)
ADOPT_PICK_CLEAR: Final = "adopt_pick_clear"
EDIT_ELEMENT: Final = "edit_element"  # the plan element chosen in the Edit tab
EDIT_OPENED: Final = "edit_opened"  # (element id, store version) the editor was opened at
EDIT_ACCURACY: Final = "edit_accuracy"  # the editor's stated accuracy, metres
EDIT_REASON: Final = "edit_reason"
EDIT_FORM_FOR: Final = "edit_form_for"  # the element the accuracy and reason were typed for
EDIT_SAVE: Final = "edit_save"
EDIT_NEW_LAYER: Final = "edit_new_layer"  # a new zone's layer, kind, id and names
EDIT_NEW_KIND: Final = "edit_new_kind"
EDIT_NEW_ID: Final = "edit_new_id"
EDIT_NEW_NAME_ZH: Final = "edit_new_name_zh"
EDIT_NEW_NAME_EN: Final = "edit_new_name_en"
EDIT_SPLIT_PIECE: Final = "edit_split_piece"  # which piece of a split the element keeps
EDIT_SPLIT_APPLY: Final = "edit_split_apply"
EDIT_MERGE_WITH: Final = "edit_merge_with"  # the element merged into the edited one
EDIT_MERGE_APPLY: Final = "edit_merge_apply"


def group_on(group_id: str) -> str:
    return f"group_on__{group_id}"


def layer_on(layer_id: str) -> str:
    return f"layer_on__{layer_id}"


def user_layer_on(layer_id: str) -> str:
    return f"user_layer_on__{layer_id}"


def user_layer_rename(layer_id: str) -> str:
    return f"user_layer_rename__{layer_id}"


def user_layer_delete(layer_id: str) -> str:
    return f"delete__{layer_id}"


def edit_map(element_id: str) -> str:
    """The plan editor component of one element (its value: what was drawn for it)."""
    return f"edit_map__{element_id}"


def edit_replace(element_id: str) -> str:
    """The shape the editor of one element is told to show instead (split or merge)."""
    return f"edit_replace__{element_id}"


def tab_body(tab: str) -> str:
    return f"{TAB_BODY_PREFIX}{tab}"


def click_hit(zone_id: str) -> str:
    """Button choosing one of the zones under the last click."""
    return f"hit_{zone_id}"


def export_title(preset: str, lang: str) -> str:
    return f"export_title_{preset}_{lang}"


def export_subtitle(preset: str, lang: str) -> str:
    return f"export_subtitle_{preset}_{lang}"


def table_download(stem: str, fmt: str) -> str:
    return f"download_{stem}_{fmt}"


def table_page(table: str) -> str:
    """The page number of a paged table (ui.uploads.show_table)."""
    return f"table_page__{table}"


# The store (ui/store.py, ui/history.py, ui/layer_actions.py).
STORE_USER: Final = "store_user"  # the signed-in user name (server mode)
LOGIN_FORM: Final = "login_form"
LOGIN_NAME: Final = "login_name"
LOGIN_PASSWORD: Final = "login_password"  # noqa: S105 (a widget key, not a password)
LOGOUT: Final = "logout"
HISTORY_SCOPE: Final = "history_scope"
HISTORY_ELEMENT: Final = "history_element"
HISTORY_LAYER: Final = "history_layer"
HISTORY_USER: Final = "history_user"
HISTORY_OPENED: Final = "history_opened"  # (object id, latest version) as last shown
HISTORY_RESTORE_VERSION: Final = "history_restore_version"
HISTORY_RESTORE_REASON: Final = "history_restore_reason"
HISTORY_RESTORE: Final = "history_restore"


def user_layer_delete_pending(layer_id: str) -> str:
    return f"delete_pending__{layer_id}"


def user_layer_delete_yes(layer_id: str) -> str:
    return f"delete_yes__{layer_id}"


def user_layer_delete_no(layer_id: str) -> str:
    return f"delete_no__{layer_id}"


def user_layer_share(layer_id: str) -> str:
    return f"share__{layer_id}"


def user_layer_undelete(layer_id: str) -> str:
    return f"undelete__{layer_id}"


ACCOUNT_FORM: Final = "account_form"
ACCOUNT_NAME: Final = "account_name"
ACCOUNT_PASSWORD: Final = "account_password"  # noqa: S105 (a widget key)
ACCOUNT_ROLE: Final = "account_role"
ACCOUNT_PICK: Final = "account_pick"
ACCOUNT_TOGGLE: Final = "account_toggle"
