/**
 * The .vsix around the built extension: `extension/` holds the files VS Code installs, beside the
 * two manifests a VSIX package carries (`extension.vsixmanifest`, `[Content_Types].xml`), written
 * from package.json as `vsce package` would.
 */
import { createZip, type ZipEntry } from './zip.ts';

export type ExtensionManifest = {
  name: string;
  publisher: string;
  version: string;
  displayName?: string;
  description?: string;
  categories?: string[];
  engines: { vscode: string };
};

const contentTypes: Record<string, string> = {
  '.json': 'application/json',
  '.js': 'application/javascript',
  '.cjs': 'application/javascript',
  '.css': 'text/css',
  '.md': 'text/markdown',
  '.svg': 'image/svg+xml',
  '.vsixmanifest': 'text/xml',
};

export function packVsix(manifest: ExtensionManifest, files: readonly ZipEntry[]): Buffer {
  const entries: ZipEntry[] = [
    { name: 'extension.vsixmanifest', data: Buffer.from(vsixManifest(manifest, files)) },
    { name: '[Content_Types].xml', data: Buffer.from(contentTypesXml(files)) },
    ...files.map((file) => ({ name: `extension/${file.name}`, data: file.data })),
  ];
  return createZip(entries);
}

export function vsixManifest(manifest: ExtensionManifest, files: readonly ZipEntry[]): string {
  const assets = [`<Asset Type="Microsoft.VisualStudio.Code.Manifest" Path="extension/package.json" Addressable="true" />`];
  if (files.some((file) => file.name === 'README.md')) {
    assets.push(`<Asset Type="Microsoft.VisualStudio.Services.Content.Details" Path="extension/README.md" Addressable="true" />`);
  }
  return `<?xml version="1.0" encoding="utf-8"?>
<PackageManifest Version="2.0.0" xmlns="http://schemas.microsoft.com/developer/vsx-schema/2011" xmlns:d="http://schemas.microsoft.com/developer/vsx-schema-design/2011">
  <Metadata>
    <Identity Language="en-US" Id="${xml(manifest.name)}" Version="${xml(manifest.version)}" Publisher="${xml(manifest.publisher)}" />
    <DisplayName>${xml(manifest.displayName ?? manifest.name)}</DisplayName>
    <Description xml:space="preserve">${xml(manifest.description ?? '')}</Description>
    <Tags></Tags>
    <Categories>${xml((manifest.categories ?? []).join(','))}</Categories>
    <GalleryFlags>Public</GalleryFlags>
    <Properties>
      <Property Id="Microsoft.VisualStudio.Code.Engine" Value="${xml(manifest.engines.vscode)}" />
      <Property Id="Microsoft.VisualStudio.Code.ExtensionDependencies" Value="" />
      <Property Id="Microsoft.VisualStudio.Code.ExtensionPack" Value="" />
      <Property Id="Microsoft.VisualStudio.Code.ExtensionKind" Value="workspace" />
      <Property Id="Microsoft.VisualStudio.Code.LocalizedLanguages" Value="" />
      <Property Id="Microsoft.VisualStudio.Services.GitHubFlavoredMarkdown" Value="true" />
    </Properties>
  </Metadata>
  <Installation>
    <InstallationTarget Id="Microsoft.VisualStudio.Code" />
  </Installation>
  <Dependencies />
  <Assets>
    ${assets.join('\n    ')}
  </Assets>
</PackageManifest>
`;
}

function contentTypesXml(files: readonly ZipEntry[]): string {
  const extensions = new Set(['.vsixmanifest', ...files.map((file) => extensionOf(file.name))]);
  const defaults = [...extensions]
    .filter((extension) => extension !== '')
    .sort()
    .map((extension) => `<Default Extension="${xml(extension)}" ContentType="${contentTypes[extension] ?? 'application/octet-stream'}" />`);
  return `<?xml version="1.0" encoding="utf-8"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">${defaults.join('')}</Types>\n`;
}

function extensionOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '';
}

function xml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
