namespace Erebor.Api;
