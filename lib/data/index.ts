// gradlab.data: datasets, batching and the datasets shipped with the library.
export { Dataset, MapDataset, TensorDataset, Subset, randomSplit } from "./dataset.js";
export { DataLoader, type DataLoaderOptions } from "./dataloader.js";
export { defaultCollate } from "./collate.js";
export * as transforms from "./transforms.js";
export { parseIdx, readIdx, type IdxArray } from "./idx.js";
export { parseCsv, readCsv, csvToNumbers, type CsvTable, type CsvOptions } from "./csv.js";
export { loadCsv, type LoadCsvOptions, type CsvData } from "./csv-dataset.js";
export { loadDigits, type DigitsOptions, type SplitDatasets } from "./digits.js";
export { loadFashionMnist, loadMnistFolder, loadIdxDataset, FASHION_MNIST_CLASSES, type FashionMnistOptions, type FashionMnist } from "./mnist.js";
export { stratifiedSplit } from "./split.js";
export { dataRoot } from "./paths.js";
