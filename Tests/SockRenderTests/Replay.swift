import ProcIndex
import SockDiag
import SockPipeline

extension SocketSink {
    /// Renders one record as the pipeline would hand it over, with `owners` joined.
    func render(_ record: SocketRecord, owners: ProcessIndex?) throws {
        try SocketJoin.with(record, owners: owners.map(OwnerTable.init)) { try render(record, $0) }
    }
}
