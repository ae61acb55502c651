// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {DatanetRegistry} from "./DatanetRegistry.sol";

/// @title ModelRegistry
/// @notice Models trained on a committed datanet version, with the root of their attribution index
///         (per-record feature vectors) and the parameters a prover and an auditor need to
///         recompute features: k, the fixed-point scale and the projection seed.
/// @dev Permissionless and append-only: anyone may register, nobody (no owner, no governance) can
///      change or remove a model, so a settlement proven against its index root stays checkable.
///      There is no registration stake: a stake is only worth charging if a proof can slash it, and
///      whether an index follows from its model and data cannot be proven on-chain at an acceptable
///      cost. The auditor recomputes the index off-chain (`poa audit`, indexFeatures); a wrong index
///      is a reason not to use the model, not a fault a challenge can settle.
contract ModelRegistry {
    /// @dev BN254 scalar field order r: model hash, index root and seed enter circuits as signals.
    uint256 internal constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    struct Model {
        address owner;
        uint256 modelHash;
        uint256 datanetId;
        uint256 datanetVersion;
        uint256 indexRoot;
        uint32 k;
        uint8 featureScale;
        uint256 projectionSeed;
        uint64 registeredAtBlock;
        string metadataURI;
    }

    DatanetRegistry private immutable _datanets;
    uint256 private _modelCount;
    mapping(uint256 id => Model) private _models;

    /// @notice A model was registered.
    /// @param modelId The new model's id (1, 2, ...).
    /// @param owner The account that registered it.
    /// @param modelHash Field-fitted hash of the model file.
    /// @param datanetId The datanet it was trained on.
    /// @param datanetVersion The datanet version it was trained on.
    /// @param indexRoot Root of its attribution index tree.
    event ModelRegistered(
        uint256 indexed modelId,
        address indexed owner,
        uint256 modelHash,
        uint256 indexed datanetId,
        uint256 datanetVersion,
        uint256 indexRoot
    );

    /// @notice The datanet version a model claims to be trained on was never committed.
    /// @param datanetId The datanet.
    /// @param version The version.
    error ModelDatanetVersionUnknown(uint256 datanetId, uint256 version);

    /// @notice A field value is zero where it must not be, or not below BN254 r.
    /// @param field Which parameter ("modelHash", "indexRoot", "projectionSeed").
    /// @param value The value given.
    error ModelFieldOutOfRange(string field, uint256 value);

    /// @notice k (feature dimension) must be at least 1.
    /// @param k The value given.
    error ModelDimensionInvalid(uint256 k);

    /// @notice No model has this id.
    /// @param modelId The id asked for.
    error ModelUnknown(uint256 modelId);

    /// @notice Deploy the registry against a datanet registry.
    /// @param datanets The DatanetRegistry whose versions models refer to.
    constructor(DatanetRegistry datanets) {
        _datanets = datanets;
    }

    /// @notice Register a model trained on a committed datanet version; the caller owns it.
    /// @param modelHash Field-fitted hash of the model file (keccak >> 8), nonzero, < r.
    /// @param datanetId The datanet trained on.
    /// @param datanetVersion A committed version of that datanet.
    /// @param indexRoot Root of the attribution index tree, nonzero, < r.
    /// @param k Feature dimension, >= 1.
    /// @param featureScale Fixed-point fractional bits of the features.
    /// @param projectionSeed Seed of the gradient projection, < r.
    /// @param metadataURI Where the model's description lives.
    /// @return modelId The new model's id.
    function registerModel(
        uint256 modelHash,
        uint256 datanetId,
        uint256 datanetVersion,
        uint256 indexRoot,
        uint32 k,
        uint8 featureScale,
        uint256 projectionSeed,
        string calldata metadataURI
    ) external returns (uint256 modelId) {
        if (modelHash == 0 || modelHash >= FIELD_MODULUS) revert ModelFieldOutOfRange("modelHash", modelHash);
        if (indexRoot == 0 || indexRoot >= FIELD_MODULUS) revert ModelFieldOutOfRange("indexRoot", indexRoot);
        if (projectionSeed >= FIELD_MODULUS) revert ModelFieldOutOfRange("projectionSeed", projectionSeed);
        if (k == 0) revert ModelDimensionInvalid(k);
        if (_datanets.root(datanetId, datanetVersion) == 0) revert ModelDatanetVersionUnknown(datanetId, datanetVersion);

        modelId = ++_modelCount;
        _models[modelId] = Model({
            owner: msg.sender,
            modelHash: modelHash,
            datanetId: datanetId,
            datanetVersion: datanetVersion,
            indexRoot: indexRoot,
            k: k,
            featureScale: featureScale,
            projectionSeed: projectionSeed,
            registeredAtBlock: uint64(block.number),
            metadataURI: metadataURI
        });
        emit ModelRegistered(modelId, msg.sender, modelHash, datanetId, datanetVersion, indexRoot);
    }

    /// @notice A registered model.
    /// @param modelId The model (reverts ModelUnknown if absent).
    /// @return The stored model.
    function model(uint256 modelId) external view returns (Model memory) {
        if (modelId == 0 || modelId > _modelCount) revert ModelUnknown(modelId);
        return _models[modelId];
    }

    /// @notice How many models exist; ids run from 1 to this number.
    /// @return count The number of models.
    function modelCount() external view returns (uint256 count) {
        return _modelCount;
    }

    /// @notice The DatanetRegistry this registry checks versions against.
    /// @return The registry.
    function datanetRegistry() external view returns (DatanetRegistry) {
        return _datanets;
    }
}
