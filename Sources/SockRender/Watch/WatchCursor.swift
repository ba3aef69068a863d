/// Where the selection is and which row is on top: follows a socket (by cookie) or a group (by key) across
/// refreshes and sorts, and keeps itself on screen.
public struct WatchCursor: Sendable {
    /// The selected row's key; nil before the first listing.
    public var key: WatchKey?
    /// The selected row's position in the last listing.
    public var index = 0
    /// The first row shown.
    public var top = 0
    /// Whether the selection follows its row; false until the user first moves it, so a view left alone
    /// keeps its top row selected as the order changes.
    public var follows = false

    public init() {}

    /// Places the selection in a new listing: on the same key where it still is, else at the same position
    /// (clamped), and scrolls so it is shown in a page of `page` rows.
    public mutating func place(in listing: WatchListing, page: Int) {
        if follows, let key, let found = listing.index(of: key) { index = found }
        settle(listing, page: page)
    }

    /// Moves the selection `delta` rows (negative: up).
    public mutating func move(_ delta: Int, in listing: WatchListing, page: Int) {
        index += delta
        follows = true
        settle(listing, page: page)
    }

    /// Moves to the first row (`Home`) or the last (`End`).
    public mutating func jump(toEnd: Bool, in listing: WatchListing, page: Int) {
        index = toEnd ? listing.count - 1 : 0
        follows = true
        settle(listing, page: page)
    }

    private mutating func settle(_ listing: WatchListing, page: Int) {
        let count = listing.count
        index = max(0, min(index, count - 1))
        key = count > 0 ? listing.key(at: index) : key
        let page = max(1, page)
        if index < top { top = index }
        if index >= top + page { top = index - page + 1 }
        top = max(0, min(top, count - page))
    }
}
