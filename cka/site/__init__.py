"""The site: build (build, serve, offline, generate), the generated pages (catalogue, lecture_map,
practice_pages, generated), the build-time parts the hooks adapt (page_versions, diagrams, assets),
and the browser tests' setup and runner (browser)."""
