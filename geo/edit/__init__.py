"""Changing the plan: adopting authoritative geometry (:mod:`geo.edit.adopt`) and
comparing two versions or a user layer against the plan (:mod:`geo.edit.compare`).
Pure functions on GeoDataFrames; keeping versions is :mod:`geo.store`'s job."""
