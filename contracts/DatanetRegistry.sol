// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title DatanetRegistry
/// @notice Datanets and their committed record roots, version after version. A root is the
///         Poseidon Merkle root of the datanet's record leaves (see docs/architecture.md); the
///         settlement contract checks that a proof's datanet root was committed here.
/// @dev Versions start at 1 and increase by exactly one, so `root(id, v) != 0` iff version v exists.
contract DatanetRegistry {
    /// @dev BN254 scalar field order r: a root is a circuit signal, so it must be below r.
    uint256 internal constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    struct Datanet {
        address owner;
        uint64 latestVersion;
        uint256 recordCount;
        string metadataURI;
    }

    struct RootEntry {
        uint256 root;
        uint256 recordCount;
        uint64 committedAtBlock;
        string contentURI;
    }

    uint256 private _datanetCount;
    mapping(uint256 id => Datanet) private _datanets;
    mapping(uint256 id => mapping(uint256 version => RootEntry)) private _roots;
    mapping(uint256 id => mapping(address account => bool)) private _curators;

    /// @notice A datanet was created.
    /// @param datanetId The new datanet's id (1, 2, ...).
    /// @param owner The account that created it and owns it.
    /// @param metadataURI Where its name and description live.
    event DatanetCreated(uint256 indexed datanetId, address indexed owner, string metadataURI);

    /// @notice A new version's root was committed.
    /// @param datanetId The datanet.
    /// @param version The new version (previous latest + 1).
    /// @param root The Poseidon Merkle root of the version's records (< BN254 r).
    /// @param recordCount How many records the version holds.
    /// @param contentURI Where the version's records can be fetched.
    /// @param committer The owner or curator who committed it.
    event RootCommitted(
        uint256 indexed datanetId,
        uint256 indexed version,
        uint256 root,
        uint256 recordCount,
        string contentURI,
        address indexed committer
    );

    /// @notice A curator was allowed to commit roots for a datanet.
    /// @param datanetId The datanet.
    /// @param curator The account added.
    event CuratorAdded(uint256 indexed datanetId, address indexed curator);

    /// @notice A curator lost the right to commit roots for a datanet.
    /// @param datanetId The datanet.
    /// @param curator The account removed.
    event CuratorRemoved(uint256 indexed datanetId, address indexed curator);

    /// @notice A datanet changed owner.
    /// @param datanetId The datanet.
    /// @param previousOwner The owner before.
    /// @param newOwner The owner now.
    event DatanetOwnershipTransferred(uint256 indexed datanetId, address indexed previousOwner, address indexed newOwner);

    /// @notice No datanet has this id.
    /// @param datanetId The id asked for.
    error DatanetUnknown(uint256 datanetId);

    /// @notice The caller may not do this on this datanet.
    /// @param datanetId The datanet.
    /// @param caller The account that tried.
    error DatanetUnauthorized(uint256 datanetId, address caller);

    /// @notice A committed version must be exactly the latest version + 1.
    /// @param datanetId The datanet.
    /// @param expected The only version accepted now.
    /// @param got The version given.
    error DatanetVersionNotNext(uint256 datanetId, uint256 expected, uint256 got);

    /// @notice A root must be nonzero and below the BN254 scalar field order r.
    /// @param datanetId The datanet.
    /// @param root The root given.
    error DatanetRootOutOfRange(uint256 datanetId, uint256 root);

    /// @notice A version may not hold fewer records than the one before (records are only appended).
    /// @param datanetId The datanet.
    /// @param previous The latest version's record count.
    /// @param got The record count given.
    error DatanetRecordCountDecreased(uint256 datanetId, uint256 previous, uint256 got);

    /// @notice The zero address cannot own a datanet or be a curator.
    /// @param datanetId The datanet.
    error DatanetZeroAddress(uint256 datanetId);

    modifier onlyOwner(uint256 datanetId) {
        _requireExists(datanetId);
        if (_datanets[datanetId].owner != msg.sender) revert DatanetUnauthorized(datanetId, msg.sender);
        _;
    }

    /// @notice Create a datanet owned by the caller.
    /// @param metadataURI Where its name and description live (may be a plain name).
    /// @return datanetId The new datanet's id.
    function createDatanet(string calldata metadataURI) external returns (uint256 datanetId) {
        datanetId = ++_datanetCount;
        Datanet storage d = _datanets[datanetId];
        d.owner = msg.sender;
        d.metadataURI = metadataURI;
        emit DatanetCreated(datanetId, msg.sender, metadataURI);
    }

    /// @notice Commit the root of the next version of a datanet.
    /// @dev Only the owner or a curator. Versions increase by exactly one so that a root is never
    ///      replaced: a settlement proven against version v stays checkable forever.
    /// @param datanetId The datanet.
    /// @param version Must be latestVersion(datanetId) + 1.
    /// @param newRoot Poseidon Merkle root of the version's records, in (0, r).
    /// @param recordCount Records in the version; not below the previous version's.
    /// @param contentURI Where the version's records can be fetched.
    function commitRoot(
        uint256 datanetId,
        uint256 version,
        uint256 newRoot,
        uint256 recordCount,
        string calldata contentURI
    ) external {
        _requireExists(datanetId);
        Datanet storage d = _datanets[datanetId];
        if (d.owner != msg.sender && !_curators[datanetId][msg.sender]) revert DatanetUnauthorized(datanetId, msg.sender);
        uint256 expected = uint256(d.latestVersion) + 1;
        if (version != expected) revert DatanetVersionNotNext(datanetId, expected, version);
        if (newRoot == 0 || newRoot >= FIELD_MODULUS) revert DatanetRootOutOfRange(datanetId, newRoot);
        if (recordCount < d.recordCount) revert DatanetRecordCountDecreased(datanetId, d.recordCount, recordCount);

        // version == latest + 1 <= 2^64 - 1 unless 2^64 commits happened: the cast cannot truncate.
        d.latestVersion = uint64(version);
        d.recordCount = recordCount;
        _roots[datanetId][version] = RootEntry({
            root: newRoot,
            recordCount: recordCount,
            committedAtBlock: uint64(block.number),
            contentURI: contentURI
        });
        emit RootCommitted(datanetId, version, newRoot, recordCount, contentURI, msg.sender);
    }

    /// @notice Allow an account to commit roots for a datanet. Owner only.
    /// @param datanetId The datanet.
    /// @param curator The account to add.
    function addCurator(uint256 datanetId, address curator) external onlyOwner(datanetId) {
        if (curator == address(0)) revert DatanetZeroAddress(datanetId);
        if (_curators[datanetId][curator]) return;
        _curators[datanetId][curator] = true;
        emit CuratorAdded(datanetId, curator);
    }

    /// @notice Withdraw an account's right to commit roots for a datanet. Owner only.
    /// @param datanetId The datanet.
    /// @param curator The account to remove.
    function removeCurator(uint256 datanetId, address curator) external onlyOwner(datanetId) {
        if (!_curators[datanetId][curator]) return;
        _curators[datanetId][curator] = false;
        emit CuratorRemoved(datanetId, curator);
    }

    /// @notice Hand a datanet to a new owner. Owner only; curators are kept.
    /// @param datanetId The datanet.
    /// @param newOwner The new owner (nonzero).
    function transferOwnership(uint256 datanetId, address newOwner) external onlyOwner(datanetId) {
        if (newOwner == address(0)) revert DatanetZeroAddress(datanetId);
        address previous = _datanets[datanetId].owner;
        _datanets[datanetId].owner = newOwner;
        emit DatanetOwnershipTransferred(datanetId, previous, newOwner);
    }

    /// @notice How many datanets exist; ids run from 1 to this number.
    /// @return count The number of datanets.
    function datanetCount() external view returns (uint256 count) {
        return _datanetCount;
    }

    /// @notice A datanet's owner, latest version, record count and metadata URI.
    /// @param datanetId The datanet (reverts DatanetUnknown if absent).
    /// @return datanet The stored record.
    function datanet(uint256 datanetId) external view returns (Datanet memory) {
        _requireExists(datanetId);
        return _datanets[datanetId];
    }

    /// @notice A datanet's owner.
    /// @param datanetId The datanet (reverts DatanetUnknown if absent).
    /// @return owner Its owner.
    function ownerOf(uint256 datanetId) external view returns (address owner) {
        _requireExists(datanetId);
        return _datanets[datanetId].owner;
    }

    /// @notice The latest committed version, 0 before the first commit.
    /// @param datanetId The datanet (reverts DatanetUnknown if absent).
    /// @return version The latest version.
    function latestVersion(uint256 datanetId) external view returns (uint256 version) {
        _requireExists(datanetId);
        return _datanets[datanetId].latestVersion;
    }

    /// @notice The root committed for a version, or 0 if that version does not exist.
    /// @dev Used by ModelRegistry and the settlement contract to check that a root was committed.
    /// @param datanetId The datanet.
    /// @param version The version.
    /// @return value The root, 0 when absent.
    function root(uint256 datanetId, uint256 version) external view returns (uint256 value) {
        return _roots[datanetId][version].root;
    }

    /// @notice Everything committed for a version (root, record count, block, content URI).
    /// @param datanetId The datanet.
    /// @param version The version; an absent one returns a zeroed entry.
    /// @return entry The stored entry.
    function rootEntry(uint256 datanetId, uint256 version) external view returns (RootEntry memory entry) {
        return _roots[datanetId][version];
    }

    /// @notice Whether an account is a curator of a datanet (the owner is not listed unless added).
    /// @param datanetId The datanet.
    /// @param account The account.
    /// @return allowed True if it may commit roots as a curator.
    function isCurator(uint256 datanetId, address account) external view returns (bool allowed) {
        return _curators[datanetId][account];
    }

    function _requireExists(uint256 datanetId) private view {
        if (datanetId == 0 || datanetId > _datanetCount) revert DatanetUnknown(datanetId);
    }
}
